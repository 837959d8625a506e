"""Browse _grove._tcp with python-zeroconf on one IPv4 address and print
every resolved service as a JSON line. Used by interop_test.go.

usage: zc_browse.py IP SECONDS
"""
import json
import sys
import time

from zeroconf import IPVersion, ServiceBrowser, Zeroconf

SERVICE = "_grove._tcp.local."


class Listener:
    def add_service(self, zc, type_, name):
        self.report(zc, type_, name)

    def update_service(self, zc, type_, name):
        self.report(zc, type_, name)

    def remove_service(self, zc, type_, name):
        print(json.dumps({"removed": name}), flush=True)

    def report(self, zc, type_, name):
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is None:
            print(json.dumps({"unresolved": name}), flush=True)
            return
        txt = {k.decode(errors="replace"): (v or b"").decode(errors="replace")
               for k, v in info.properties.items()}
        print(json.dumps({
            "name": name,
            "server": info.server,
            "port": info.port,
            "addresses": info.parsed_addresses(),
            "txt": txt,
        }), flush=True)


def main():
    ip, seconds = sys.argv[1], float(sys.argv[2])
    zc = Zeroconf(interfaces=[ip], ip_version=IPVersion.V4Only)
    try:
        ServiceBrowser(zc, SERVICE, Listener())
        time.sleep(seconds)
    finally:
        zc.close()


main()
