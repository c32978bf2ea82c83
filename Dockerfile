# Multi-stage: the SDK builds and publishes, the ASP.NET runtime image runs `mlops`.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/MlopsGateway.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# 5000: gateway (callers), 5001: worker. The worker port refuses calls without the worker secret
# (`up` makes one for itself; a `worker` alone needs --worker-secret-file or MLOPS_WORKER_SECRET):
# still publish it only to the gateways' network, never to callers.
EXPOSE 5000 5001
VOLUME /models
ENTRYPOINT ["/app/mlops"]
# Listen on every interface inside the container (the worker's own default is loopback, so a
# `docker run ... worker` passes --bind 0.0.0.0 with its secret); `docker run ... <role> [options]` picks another role.
CMD ["up", "--bind", "0.0.0.0", "--models", "/models"]
