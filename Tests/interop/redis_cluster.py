"""A private Redis Cluster of three masters and three replicas on free loopback ports, made with
redis-cli --cluster create, for the cluster tests."""
from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from redis_server import RedisServer


def cluster_port() -> int:
    """A free port whose cluster bus port (10,000 higher) is free too; both at most 65535."""
    for _ in range(200):
        port = random.randint(20000, 45000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.bind(("127.0.0.1", candidate))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


class RedisCluster:
    def __init__(self, directory: Path, nodes: int = 6):
        self.servers = [RedisServer(directory / f"node{i}", extra_args=[
            "--cluster-enabled", "yes", "--cluster-config-file", str(directory / f"node{i}" / "nodes.conf"),
            "--cluster-node-timeout", "2000"]) for i in range(nodes)]
        for server in self.servers:
            server.port = cluster_port()

    def start(self, timeout: float = 30) -> None:
        if shutil.which("redis-cli") is None:
            raise RuntimeError("redis-cli is missing (Debian's redis-tools)")
        for server in self.servers:
            server.start()
        addresses = [f"127.0.0.1:{s.port}" for s in self.servers]
        subprocess.run(["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"],
                       check=True, capture_output=True, text=True, timeout=60)
        deadline = time.monotonic() + timeout
        def ready() -> bool:
            if not all(self.client(s.port).cluster("info")["cluster_state"] == "ok" for s in self.servers):
                return False
            # Every node sees three ranges, each with its replica.
            return all(len(ranges) == 3 and all(len(r) >= 4 for r in ranges)
                       for ranges in (self.client(s.port).execute_command("CLUSTER", "SLOTS") for s in self.servers))
        while not ready():
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not reach cluster_state:ok with a replica for each master")
            time.sleep(0.1)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    @staticmethod
    def client(port: int) -> redis.Redis:
        return redis.Redis(port=port, decode_responses=True)

    def url(self, port: int | None = None) -> str:
        return f"redis://127.0.0.1:{port or self.servers[0].port}"

    def cluster_client(self) -> redis.cluster.RedisCluster:
        return redis.cluster.RedisCluster(host="127.0.0.1", port=self.servers[0].port, decode_responses=True)

    def slot(self, key: str) -> int:
        return self.client(self.servers[0].port).cluster("keyslot", key)

    def master_port(self, key: str) -> int:
        """The port of the master serving `key`'s slot now."""
        slot = self.slot(key)
        for low, high, master, *_ in self.client(self.servers[0].port).execute_command("CLUSTER", "SLOTS"):
            if low <= slot <= high:
                return int(master[1])
        raise RuntimeError(f"no master for slot {slot}")

    def replica_port(self, master_port: int) -> int:
        for low, high, master, *replicas in self.client(self.servers[0].port).execute_command("CLUSTER", "SLOTS"):
            if int(master[1]) == master_port and replicas:
                return int(replicas[0][1])
        raise RuntimeError(f"no replica of {master_port}")

    def failover(self, replica_port: int, timeout: float = 30) -> None:
        """CLUSTER FAILOVER on a replica (it waits for the master's writes first) until it is master."""
        self.client(replica_port).execute_command("CLUSTER", "FAILOVER")
        deadline = time.monotonic() + timeout
        def promoted() -> bool:
            if self.client(replica_port).info("replication")["role"] != "master":
                return False
            # And the other nodes know it (their CLUSTER SLOTS name it a master).
            return all(any(int(r[2][1]) == replica_port for r in self.client(s.port).execute_command("CLUSTER", "SLOTS"))
                       for s in self.servers)
        while not promoted():
            if time.monotonic() > deadline:
                raise RuntimeError("the failover did not complete")
            time.sleep(0.05)
