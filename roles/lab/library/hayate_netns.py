#!/usr/bin/python
"""Ansible module: a declarative network of namespaces, veth pairs, addresses and routes (the hayate lab)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hayate_netns
short_description: Network namespaces joined by veth pairs, with addresses and routes
description:
  - Creates (state=present) or removes (state=absent) the namespaces, veth pairs, addresses and routes given.
  - Idempotent; supports check mode. Uses iproute2 (C(ip)).
options:
  namespaces:
    description: Names of the namespaces.
    type: list
    elements: str
    required: true
  sysctls:
    description:
      - Kernel settings per namespace, each C({ns, name, value}), applied before the veths are made (so that
        C(net.ipv6.conf.default.*) reaches them).
    type: list
    elements: dict
    default: []
  veths:
    description:
      - Veth pairs, each C({name, ns, peer, peer_ns, mtu, tx_checksum}); both ends are brought up.
      - C(tx_checksum=false) turns TX checksum offload off on both ends (C(ethtool -K DEV tx off)) - a veth
        otherwise hands on packets whose checksum nobody fills in when they cross af_packet or a tap.
    type: list
    elements: dict
    default: []
  addresses:
    description: Addresses, each C({ns, dev, address}) with address in CIDR form.
    type: list
    elements: dict
    default: []
  routes:
    description: Routes, each C({ns, dst, via}); C(dst) may be C(default) or C(default6).
    type: list
    elements: dict
    default: []
  state:
    type: str
    choices: [present, absent]
    default: present
"""

import ipaddress
import json
import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule


class Net:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.changed = False

    def ip(self, *args: str, ns: str | None = None) -> str:
        cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
        rc, out, err = self.module.run_command(cmd)
        if rc != 0:
            self.module.fail_json(msg=f"{' '.join(cmd)}: {err.strip()}", rc=rc)
        return str(out)

    def change(self, *args: str, ns: str | None = None) -> None:
        self.changed = True
        if not self.module.check_mode:
            self.ip(*args, ns=ns)

    def links(self, ns: str) -> dict[str, dict[str, Any]]:
        if not os.path.exists(f"/run/netns/{ns}"):
            return {}
        return {link["ifname"]: link for link in json.loads(self.ip("-j", "link", "show", ns=ns) or "[]")}

    def nsexec(self, ns: str, *args: str) -> str:
        cmd = ["ip", "netns", "exec", ns, *args]
        rc, out, err = self.module.run_command(cmd)
        if rc != 0:
            self.module.fail_json(msg=f"{' '.join(cmd)}: {err.strip()}", rc=rc)
        return str(out)

    def sysctl(self, ns: str, name: str, value: str) -> None:
        if not os.path.exists(f"/run/netns/{ns}"):  # check mode: the namespace is not made
            self.changed = True
            return
        if self.nsexec(ns, "sysctl", "-n", name).strip() != value:
            self.changed = True
            if not self.module.check_mode:
                self.nsexec(ns, "sysctl", "-qw", f"{name}={value}")

    def tx_checksum_off(self, ns: str, dev: str) -> None:
        if not os.path.exists(f"/run/netns/{ns}"):
            self.changed = True
            return
        shown = self.nsexec(ns, "ethtool", "-k", dev)
        if "tx-checksumming: off" not in shown:
            self.changed = True
            if not self.module.check_mode:
                self.nsexec(ns, "ethtool", "-K", dev, "tx", "off")

    def addrs(self, ns: str, dev: str) -> set[str]:
        data = json.loads(self.ip("-j", "addr", "show", "dev", dev, ns=ns) or "[]")
        return {f"{a['local']}/{a['prefixlen']}" for link in data for a in link.get("addr_info", [])}


def present(net: Net, p: dict[str, Any]) -> None:
    for ns in p["namespaces"]:
        if not os.path.exists(f"/run/netns/{ns}"):
            net.change("netns", "add", ns)
            net.change("link", "set", "lo", "up", ns=ns)
    for s in p["sysctls"]:
        net.sysctl(s["ns"], s["name"], str(s["value"]))
    for v in p["veths"]:
        if v["name"] not in net.links(v["ns"]):
            if v["peer"] in net.links(v["peer_ns"]):  # half a pair left behind: remove it first
                net.change("link", "del", v["peer"], ns=v["peer_ns"])
            net.change("link", "add", v["name"], "type", "veth", "peer", "name", v["peer"],
                       "netns", v["peer_ns"], ns=v["ns"])
        for ns, dev in ((v["ns"], v["name"]), (v["peer_ns"], v["peer"])):
            link = net.links(ns).get(dev, {})
            if v.get("mtu") and link.get("mtu") != v["mtu"]:
                net.change("link", "set", dev, "mtu", str(v["mtu"]), ns=ns)
            if "UP" not in link.get("flags", []):
                net.change("link", "set", dev, "up", ns=ns)
            if v.get("tx_checksum", True) is False and link:  # (check mode: not made yet)
                net.tx_checksum_off(ns, dev)
    for a in p["addresses"]:
        iface = ipaddress.ip_interface(a["address"])
        if net.module.check_mode and a["dev"] not in net.links(a["ns"]):
            net.changed = True
            continue
        if str(iface) not in net.addrs(a["ns"], a["dev"]):
            extra = ["nodad"] if iface.version == 6 else []
            net.change("addr", "add", str(iface), "dev", a["dev"], *extra, ns=a["ns"])
    for r in p["routes"]:
        family = "-6" if r["dst"] == "default6" or ":" in r["dst"] else "-4"
        dst = "default" if r["dst"].startswith("default") else r["dst"]
        if not os.path.exists(f"/run/netns/{r['ns']}"):
            net.changed = True
            continue
        shown = net.ip(family, "route", "show", dst, ns=r["ns"])
        if f"via {r['via']} " not in shown + " ":
            net.change(family, "route", "replace", dst, "via", r["via"], ns=r["ns"])


def absent(net: Net, p: dict[str, Any]) -> None:
    # Deleting a namespace deletes its veth ends, and a veth's peer goes with it.
    for ns in p["namespaces"]:
        if os.path.exists(f"/run/netns/{ns}"):
            net.change("netns", "del", ns)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "namespaces": {"type": "list", "elements": "str", "required": True},
            "sysctls": {"type": "list", "elements": "dict", "default": []},
            "veths": {"type": "list", "elements": "dict", "default": []},
            "addresses": {"type": "list", "elements": "dict", "default": []},
            "routes": {"type": "list", "elements": "dict", "default": []},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    net = Net(module)
    (present if module.params["state"] == "present" else absent)(net, module.params)
    module.exit_json(changed=net.changed)


if __name__ == "__main__":
    main()
