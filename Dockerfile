# syntax=docker/dockerfile:1
# One file, two images:  docker build --target hub -t nocert-hub .   /   docker build --target agent -t nocert-agent .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig NoCertHub.sln ./
COPY protos/ protos/
COPY src/ src/
RUN dotnet publish src/Hub/NoCertHub.Hub/NoCertHub.Hub.csproj -c Release -o /out/hub \
 && dotnet publish src/Agents/NoCertHub.Agents/NoCertHub.Agents.csproj -c Release -o /out/agent

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The embedded Redis and the SQLite audit database live here; mount a volume in production.
WORKDIR /var/lib/nocert
RUN mkdir -p /var/lib/nocert && chown app:app /var/lib/nocert
USER app

FROM runtime AS hub
COPY --from=build /out/hub /app
# gRPC over mutual TLS only. Mount the district CA's certificate and revocation list and the hub's
# own certificate and key at /run/nocert/pki (docs/security.md); the hub refuses to start without them.
ENV Kestrel__Endpoints__Grpc__Url=https://0.0.0.0:5080
ENV Security__Mode=Certificates
ENV Security__CaBundle=/run/nocert/pki/ca.pem
ENV Security__RevocationList=/run/nocert/pki/ca.crl.pem
ENV Security__ServerCertificate=/run/nocert/pki/hub.pem
ENV Security__ServerKey=/run/nocert/pki/hub.key.pem
# Prometheus scrapes plain HTTP: metrics and health carry no citizen's data; keep this port on the internal network.
ENV Kestrel__Endpoints__Metrics__Url=http://0.0.0.0:5081
EXPOSE 5080 5081
# Healthy when the hub says it is ready (/readyz: Redis, audit store and catalog reachable); the
# runtime image has no curl, so bash speaks HTTP itself.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/5081 && printf "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "' || exit 1
ENTRYPOINT ["dotnet", "/app/NoCertHub.Hub.dll"]

FROM runtime AS agent
COPY --from=build /out/agent /app
# The agent presents its department's certificate (Agent__Departments__0__Certificate/CertificateKey)
# and trusts the hub only through the district CA (Agent__CaBundle); mount them at /run/nocert/pki.
ENV Agent__CaBundle=/run/nocert/pki/ca.pem
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD bash -c 'kill -0 1' || exit 1
ENTRYPOINT ["dotnet", "/app/NoCertHub.Agents.dll"]
