# Multi-stage: the SDK builds and publishes once; the same `mlops` runs on one of two bases:
#   docker build -t mlops:latest .                             the ASP.NET runtime image (CPU), the default
#   docker build --build-arg FLAVOR=cuda -t mlops:cuda .       the CUDA runtime image, for workers on NVIDIA GPUs
# --build-arg CUDA_IMAGE=... picks another CUDA 13 + cuDNN 9 base. ONNX Runtime 1.31's CUDA provider
# (Microsoft.ML.OnnxRuntime.Gpu.Linux) links libcudart.so.13 and libcublas.so.13 and loads cuDNN 9;
# CUDA 13 needs an NVIDIA driver of 580 or newer on the host.
ARG FLAVOR=cpu
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
ARG DOTNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# linux-x64: ONNX Runtime's GPU package has Linux natives for linux-x64 alone. Its Windows half copies
# its DLLs (onnxruntime*.dll, 215 MB, never loaded on Linux) into every x64 output; they are removed.
RUN dotnet publish src/MlopsGateway.Cli -c Release -r linux-x64 --self-contained false -o /app \
    && rm /app/onnxruntime*.dll

FROM ${DOTNET_IMAGE} AS cpu-base

# NVIDIA's CUDA runtime with cuDNN (Ubuntu 24.04, as the ASP.NET 10 image is) and the ASP.NET
# runtime copied from that image. Workers pick the CUDA execution provider by themselves when it
# loads (a model's execution_provider "auto"); gateways need no GPU.
FROM ${CUDA_IMAGE} AS cuda-base
# What the .NET runtime needs on Ubuntu 24.04 beyond the CUDA image: ICU, OpenSSL, CA roots, time
# zones; and the ASP.NET image's non-root user (uid 1654), which the Kubernetes manifests run as.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libicu74 libssl3t64 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
COPY --from=cpu-base /usr/share/dotnet /usr/share/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    PATH=/usr/share/dotnet:$PATH

FROM ${FLAVOR}-base
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
