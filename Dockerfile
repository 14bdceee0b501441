# The WarehouseOms service. Build: docker build -t warehouse-oms .  (docker-compose.yml builds it too)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, on the project files only, so the layer is cached across source changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/WarehouseOms.Contracts/WarehouseOms.Contracts.csproj src/WarehouseOms.Contracts/
COPY src/WarehouseOms.Domain/WarehouseOms.Domain.csproj src/WarehouseOms.Domain/
COPY src/WarehouseOms.Workflows/WarehouseOms.Workflows.csproj src/WarehouseOms.Workflows/
COPY src/WarehouseOms.Persistence/WarehouseOms.Persistence.csproj src/WarehouseOms.Persistence/
COPY src/WarehouseOms.Activities/WarehouseOms.Activities.csproj src/WarehouseOms.Activities/
COPY src/WarehouseOms.Messaging/WarehouseOms.Messaging.csproj src/WarehouseOms.Messaging/
COPY src/WarehouseOms.TemporalDevServer/WarehouseOms.TemporalDevServer.csproj src/WarehouseOms.TemporalDevServer/
COPY src/WarehouseOms.Host/WarehouseOms.Host.csproj src/WarehouseOms.Host/
RUN dotnet restore src/WarehouseOms.Host/WarehouseOms.Host.csproj
COPY src/ src/
RUN dotnet publish src/WarehouseOms.Host/WarehouseOms.Host.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl for the compose health check.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV Urls=http://+:5080 \
    DOTNET_ENVIRONMENT=Production
EXPOSE 5080
USER app
ENTRYPOINT ["dotnet", "WarehouseOms.Host.dll"]
