#!/usr/bin/python3
"""The Kubernetes manifests of docker/k8s/ as podman 4.3's `kube play` can run
them on one machine, with nothing else changed (README.md, "Operating the
STS", lists why each change is needed):

  - Secrets become ConfigMaps of the same decoded files: podman 4.3 writes a
    Secret volume's base64 text undecoded (and crashes without `optional`).
  - Pods share the host's network (hostNetwork: true) on loopback ports the
    test chose: no pod network is reachable here, and Services (the names
    sts and sts-redis) do not exist under podman, so they are dropped and
    the STS is pointed at Redis on loopback. The three STS replicas bind the
    same gRPC and health ports (gRPC sets SO_REUSEPORT, so the kernel spreads
    connections over them); each replica's metrics take a port of their own
    (port 0, printed in its log).
  - Images are the ones the test built.

  podman_overlay.py --sts_image I --redis_image I --grpc_port N --health_port N
                    --redis_port N FILE... > play.yaml
"""

import argparse
import base64
import sys

import yaml


def main():
    parser = argparse.ArgumentParser()
    for flag in ("sts_image", "redis_image"):
        parser.add_argument("--" + flag, required=True)
    for flag in ("grpc_port", "health_port", "redis_port"):
        parser.add_argument("--" + flag, required=True, type=int)
    parser.add_argument("files", nargs="+")
    a = parser.parse_args()

    replace = {
        "0.0.0.0:8443": f"127.0.0.1:{a.grpc_port}",
        "0.0.0.0:8081": f"127.0.0.1:{a.health_port}",
        "127.0.0.1:8081": f"127.0.0.1:{a.health_port}",
        "sts-redis:6379": f"127.0.0.1:{a.redis_port}",
        "0.0.0.0:9090": "127.0.0.1:0",
        "-p 6379": f"-p {a.redis_port}",
    }
    images = {"sts:latest": a.sts_image, "sts-redis:latest": a.redis_image}

    def text(value):
        for old, new in replace.items():
            value = value.replace(old, new)
        return value

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return text(node) if isinstance(node, str) else node

    out = []
    for path in a.files:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        for doc in docs:
            kind = doc["kind"]
            if kind == "Service":
                continue
            if kind == "Secret":
                doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc["metadata"],
                       "data": {k: base64.b64decode(v).decode()
                                for k, v in doc.get("data", {}).items()}}
            elif kind == "Deployment":
                pod = doc["spec"]["template"]["spec"]
                pod["hostNetwork"] = True
                # Podman 4.3 applies the pod's restart policy to init
                # containers too: with Always, the init container runs again
                # after it succeeded, and kube play fails removing it.
                if pod.get("initContainers"):
                    pod["restartPolicy"] = "OnFailure"
                for c in pod.get("initContainers", []) + pod["containers"]:
                    c["image"] = images.get(c["image"], c["image"])
                    # On the host network a container's ports are the host's:
                    # podman refuses port mappings there.
                    c.pop("ports", None)
                    if c["image"] == a.redis_image:
                        c["args"] = c.get("args", []) + ["--port", str(a.redis_port),
                                                         "--bind", "127.0.0.1"]
                        for probe in ("readinessProbe", "livenessProbe"):
                            socket = c.get(probe, {}).get("tcpSocket")
                            if socket:
                                socket["port"] = a.redis_port
                for v in pod.get("volumes", []):
                    secret = v.pop("secret", None)
                    if secret is not None:
                        v["configMap"] = {"name": secret["secretName"]}
                        if "items" in secret:
                            v["configMap"]["items"] = secret["items"]
            out.append(walk(doc))
    sys.stdout.write(yaml.safe_dump_all(out, sort_keys=False))


if __name__ == "__main__":
    main()
