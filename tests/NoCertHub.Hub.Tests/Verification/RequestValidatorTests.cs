using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using NoCertHub.Hub.Catalog;
using NoCertHub.Hub.Core;
using NoCertHub.Hub.Identity;
using NoCertHub.Hosting.Pki;
using NoCertHub.Hub.Verification;
using NoCertHub.V1;
using Xunit;

namespace NoCertHub.Hub.Tests.Verification;

public class RequestValidatorTests
{
    private static readonly CatalogItem Expiring = new()
    {
        Code = "JJ-T-001",
        Name = "test item",
        LegalBasis = "basis",
        ReplacementMethod = ReplacementMethod.InterDepartmentCheck,
        OwningDepartment = "jj-test",
        SlaClass = SlaClass.Immediate,
        Fields = new HashSet<string> { "name" },
        EffectiveUntil = new DateOnly(2026, 12, 1),
    };

    [Fact]
    public void Validate_ItemExpiresAtDistrictMidnight_NotUtcMidnight()
    {
        // 2026-11-30 16:30 UTC is already 2026-12-01 00:30 in Jiaojiang (UTC+8).
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 16, 30, 0, TimeSpan.Zero));
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, clock);

        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(Valid(), caller: null));

        Assert.Equal(StatusCode.FailedPrecondition, refused.Status);
        Assert.Contains("2026-12-01", refused.Message, StringComparison.Ordinal);
        var lastDistrictEvening = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 15, 59, 0, TimeSpan.Zero));
        var stillInForce = new RequestValidator(new CatalogSnapshot([Expiring]), Known, lastDistrictEvening);
        Assert.Equal("JJ-T-001", stillInForce.Validate(Valid(), caller: null).Item.Code);
    }

    [Fact]
    public void Validate_CertificateOfAnotherDepartment_IsPermissionDenied()
    {
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(Valid(), new CallerIdentity(PrincipalRole.Window, "jj-other", "w1", "officer-9")));

        Assert.Equal(StatusCode.PermissionDenied, refused.Status);
    }

    [Fact]
    public void Validate_CertificateProvesTheOfficer_TheDeclaredOfficerIsIgnored()
    {
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var valid = validator.Validate(Valid(), new CallerIdentity(PrincipalRole.Window, "jj-window-dept", "w1", "officer-from-cert"));

        Assert.Equal("officer-from-cert", valid.Officer);
    }

    [Fact]
    public void Validate_WindowCertificateNamingNoOfficer_TakesTheDeclaredOne_MarkedAsDeclared_OrRefusesItWhenConfigured()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var window = new CallerIdentity(PrincipalRole.Window, "jj-window-dept", "w1", CertifiedOfficer: null);

        var declared = new RequestValidator(new CatalogSnapshot([Expiring]), Known, clock).Validate(Valid(), window);
        var strict = new RequestValidator(new CatalogSnapshot([Expiring]), Known, clock, Microsoft.Extensions.Options.Options.Create(new SecurityOptions { RequireCertifiedOfficer = true }));
        var refused = Assert.Throws<RequestRefusedException>(() => strict.Validate(Valid(), window));

        Assert.Equal("declared-officer (declared; certificate of window w1)", declared.Officer);
        Assert.Equal(StatusCode.PermissionDenied, refused.Status);
        Assert.Contains("RequireCertifiedOfficer", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("case_number", "JJ-2026-\u0000001")]
    [InlineData("purpose", "marriage\u0007registration")]
    [InlineData("purpose", "line one\nline two")]
    [InlineData("case_number", "JJ-\u202E1002")]
    [InlineData("requester.officer", "officer\u2066x")]
    public void Validate_ControlOrBidiCharacters_AreRefused_NamingTheFieldAndTheCharacter(string field, string value)
    {
        var request = Valid();
        switch (field)
        {
            case "case_number": request.CaseNumber = value; break;
            case "purpose": request.Purpose = value; break;
            default: request.Requester.Officer = value; break;
        }

        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(request, caller: null));

        Assert.Equal(StatusCode.InvalidArgument, refused.Status);
        Assert.StartsWith(field + " contains the control character U+", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HugeUnknownClaimKey_IsRefused_QuotingOnlyAShortPrefix()
    {
        var request = Valid();
        request.Claims[new string('k', 1_000_000)] = "v";
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(request, caller: null));

        Assert.Equal(StatusCode.InvalidArgument, refused.Status);
        Assert.True(refused.Message.Length < 300, $"the refusal repeats {refused.Message.Length} characters of the caller's text");
    }

    [Fact]
    public void Validate_WindowCertificate_SubmitsForItsOwnWindowOnly()
    {
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(Valid(), new CallerIdentity(PrincipalRole.Window, "jj-window-dept", "w2", null)));

        Assert.Equal(StatusCode.PermissionDenied, refused.Status);
        Assert.Contains("'w2'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownRequestingDepartment_IsRefused_EvenDeclared()
    {
        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var request = Valid();
        request.Requester.Department = "jj-no-such-office";

        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(request, caller: null));

        Assert.Equal(StatusCode.PermissionDenied, refused.Status);
        Assert.Contains("jj-no-such-office", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("requester.window", "a/b")]
    [InlineData("requester.department", "")]
    public void Validate_BadIdentifier_NamesTheField(string field, string value)
    {
        var request = Valid();
        if (field == "requester.window")
        {
            request.Requester.Window = value;
        }
        else
        {
            request.Requester.Department = value;
        }

        var validator = new RequestValidator(new CatalogSnapshot([Expiring]), Known, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var refused = Assert.Throws<RequestRefusedException>(() => validator.Validate(request, caller: null));

        Assert.Equal(StatusCode.InvalidArgument, refused.Status);
        Assert.Contains(field, refused.Message, StringComparison.Ordinal);
    }

    private static readonly IDepartmentRegistry Known = new Departments("jj-window-dept", "jj-other", "jj-test");

    private sealed class Departments(params string[] known) : IDepartmentRegistry
    {
        public bool IsKnown(string department) => known.Contains(department);
    }

    private static VerificationRequest Valid() => new()
    {
        ItemCode = "JJ-T-001",
        Subject = new Subject { Kind = SubjectKind.Person, Id = "33100219850312001X" },
        CaseNumber = "case",
        Purpose = "purpose",
        Requester = new Requester { Department = "jj-window-dept", Window = "w1", Officer = "declared-officer" },
    };
}
