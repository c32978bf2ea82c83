# Multi-stage: the SDK builds and publishes, the ASP.NET runtime image runs `mlops`.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/MlopsGateway.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# 5000: gateway (callers), 5001: worker.
EXPOSE 5000 5001
VOLUME /models
ENTRYPOINT ["/app/mlops"]
# Listen on every interface inside the container; `docker run ... <role> [options]` picks another role.
CMD ["up", "--bind", "0.0.0.0", "--models", "/models"]
