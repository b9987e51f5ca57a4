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
ENV Kestrel__Endpoints__Grpc__Url=http://0.0.0.0:5080
ENV Kestrel__Endpoints__Metrics__Url=http://0.0.0.0:5081
EXPOSE 5080 5081
# A gRPC port that accepts a connection is alive; readiness probes arrive with issue 6.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/5080' || exit 1
ENTRYPOINT ["dotnet", "/app/NoCertHub.Hub.dll"]

FROM runtime AS agent
COPY --from=build /out/agent /app
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD bash -c 'kill -0 1' || exit 1
ENTRYPOINT ["dotnet", "/app/NoCertHub.Agents.dll"]
