using NoCertHub.Hub.Hosting;
using Xunit;

namespace NoCertHub.Hub.Tests.Hosting;

/// <summary>A hub whose security settings cannot keep their promise refuses to start, saying why.</summary>
public class TransportSecurityTests
{
    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://10.1.2.3:5080")]
    public void InsecureMode_OnAnythingButLoopback_Refuses(string url)
    {
        var refused = Assert.Throws<TransportSecurityException>(() => TransportSecurity.Check(Configuration(("Security:Mode", "InsecureLoopback"), ("Kestrel:Endpoints:Grpc:Url", url))));

        Assert.Contains("loopback only", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InsecureMode_GivenAsUrls_OnAnAnyAddress_Refuses()
    {
        Assert.Throws<TransportSecurityException>(() => TransportSecurity.Check(Configuration(("Security:Mode", "InsecureLoopback"), ("urls", "http://127.0.0.1:5080;http://0.0.0.0:5090"))));
    }

    [Fact]
    public void InsecureMode_OnLoopback_Starts()
    {
        TransportSecurity.Check(Configuration(("Security:Mode", "InsecureLoopback"), ("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:Metrics:Url", "http://localhost:5081")));
    }

    [Fact]
    public void APlainHttpEndpoint_AskedForBothProtocols_Refuses_SayingNoGrpcWouldWork()
    {
        var refused = Assert.Throws<TransportSecurityException>(() => TransportSecurity.Check(Configuration(("Security:Mode", "InsecureLoopback"),
            ("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:Grpc:Protocols", "Http1AndHttp2"))));

        Assert.Contains("no gRPC call would work", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:Grpc:Protocols to Http2", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateMode_WithAPlainGrpcEndpoint_Refuses()
    {
        var refused = Assert.Throws<TransportSecurityException>(() => TransportSecurity.Check(Configuration(("Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:Grpc:Protocols", "Http2"))));

        Assert.Contains("every gRPC endpoint is https", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateMode_WithoutTheCaOrTheServerCertificate_Refuses_NamingTheSetting()
    {
        var refused = Assert.Throws<TransportSecurityException>(() => TransportSecurity.Check(Configuration(("Kestrel:Endpoints:Grpc:Url", "https://127.0.0.1:5080"), ("Security:CaBundle", "/nonexistent/ca.pem"))));

        Assert.Contains("Security:CaBundle '/nonexistent/ca.pem' is not a file", refused.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
