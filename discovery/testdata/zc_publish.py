"""Publish one _grove._tcp service with python-zeroconf on one IPv4 address
until stdin closes. Used by interop_test.go.

usage: zc_publish.py IP NAME DEVICE_ID INSTANCE_ID PORT [EXTRA_ADDRESS...]

Debian's python3-zeroconf 0.47 adds an NSEC record when the service has no
IPv6 address, and miekg/dns (under grandcat/zeroconf) rejects the whole
packet; EXTRA_ADDRESS can add an IPv6 address to avoid that.
"""
import socket
import sys

from zeroconf import IPVersion, ServiceInfo, Zeroconf

SERVICE = "_grove._tcp.local."


def main():
    ip, name, device, inst, port = sys.argv[1:6]
    extra = sys.argv[6:]
    addresses = [socket.inet_aton(ip)] + [socket.inet_pton(socket.AF_INET6, a) for a in extra]
    info = ServiceInfo(
        SERVICE,
        name + "." + SERVICE,
        addresses=addresses,
        port=int(port),
        properties={"v": "1", "id": device, "inst": inst},
        server="py-" + inst + ".local.",
    )
    zc = Zeroconf(interfaces=[ip], ip_version=IPVersion.V4Only)
    try:
        zc.register_service(info)
        print("REGISTERED", flush=True)
        sys.stdin.read()
        zc.unregister_service(info)
    finally:
        zc.close()


main()
