"""The network relay, for scripts plugins.yaml allows the internet (`network_scripts`).

The sandbox keeps its own network namespace, which has only a loopback: nothing outside is
reachable by address. The one way out is the worker's egress proxy, a unix socket bound into the
job directory (UVW_PROXY_SOCKET), which resolves each host, refuses loopback, private, link-local
and metadata addresses (the fetcher's SSRF rule), and connects. Most HTTP clients only speak to a
proxy over TCP, so this relay listens on the sandbox's own 127.0.0.1, points HTTP_PROXY and
HTTPS_PROXY at itself, pipes every connection to the unix socket, and runs the script (argv[1:])
as its child, exiting with the script's status.
"""
import os
import socket
import subprocess
import sys
import threading


def pump(source, sink):
    """Copies one direction until end of file, then passes the end on."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client, proxy_path):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(proxy_path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def accept(listener, proxy_path):
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, proxy_path), daemon=True).start()


def main():
    proxy_path = os.environ.pop("UVW_PROXY_SOCKET")
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=accept, args=(listener, proxy_path), daemon=True).start()
    proxy = "http://127.0.0.1:%d" % listener.getsockname()[1]
    environment = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        environment[name] = environment[name.lower()] = proxy
    environment["NO_PROXY"] = environment["no_proxy"] = ""
    progress_fd = os.environ.get("UVW_PROGRESS_FD")
    keep = (int(progress_fd),) if progress_fd else ()
    child = subprocess.Popen(sys.argv[1:], env=environment, pass_fds=keep)
    status = child.wait()
    # A script killed by signal N reads as 128+N, as the sandbox reports a signal for any command.
    sys.exit(128 - status if status < 0 else status)


if __name__ == "__main__":
    main()
