#!/usr/bin/env python3
"""Writes a BIRD 2 or an FRR bgpd configuration per speaker of a router-level topology.

    per_router.py bird|frr TOPOLOGY.yaml OUT_DIR

Each speaker becomes one router process with the same sessions (its listen address as the
local address, each neighbour's address and AS) and the same originated prefixes (its
`networks`, or for a gateway without them its VNet's address spaces) as static routes.
The Azure roles' policies (as-override, remove-private-as, prefix limits) are not
written: these routers only have to hold the same sessions and a like number of routes,
for bench/scale.sh's per-router memory. Prints one line per router: NAME ADDRESS PORT.
"""
import os
import sys

import yaml

ROLE_ASN = {"msee": 12076, "er-gateway": 65515, "vpn-gateway": 65515}


def endpoint(text):
    address, _, port = text.rpartition(":")
    return address.strip("[]"), int(port)


def speakers(topology):
    spaces = {v["name"]: v.get("address_spaces", []) for v in topology.get("vnets", [])}
    for s in topology["speakers"]:
        address, port = endpoint(s["listen"])
        networks = s.get("networks")
        if networks is None:
            networks = spaces.get(s.get("vnet", ""), [])
        networks = [n if isinstance(n, str) else n["prefix"] for n in networks]
        neighbors = []
        for n in s.get("neighbors", []):
            peer, peer_port = endpoint(n["address"])
            neighbors.append((n["name"], peer, peer_port, n["asn"]))
        yield {
            "name": s["name"],
            "asn": s.get("asn", ROLE_ASN.get(s.get("role", ""), 64512)),
            "router_id": s["router_id"],
            "address": address,
            "port": port,
            "networks": networks,
            "neighbors": neighbors,
        }


def bird(router):
    lines = [f"router id {router['router_id']};", "protocol device { }"]
    if router["networks"]:
        lines.append("protocol static { ipv4; " + " ".join(f"route {n} blackhole;" for n in router["networks"]) + " }")
    for i, (_, peer, peer_port, asn) in enumerate(router["neighbors"]):
        lines.append(
            f"protocol bgp n{i} {{ local {router['address']} port {router['port']} as {router['asn']}; "
            f"neighbor {peer} port {peer_port} as {asn}; strict bind on; multihop; allow local as; "
            "ipv4 { import all; export all; }; }")
    return "\n".join(lines) + "\n"


def frr(router):
    lines = ["frr defaults traditional", f"router bgp {router['asn']}", f" bgp router-id {router['router_id']}",
             " no bgp ebgp-requires-policy"]
    for _, peer, peer_port, asn in router["neighbors"]:
        lines += [f" neighbor {peer} remote-as {asn}", f" neighbor {peer} port {peer_port}",
                  f" neighbor {peer} update-source {router['address']}",
                  f" neighbor {peer} ebgp-multihop 2", f" neighbor {peer} allowas-in"]
    lines.append(" address-family ipv4 unicast")
    lines += [f"  network {n}" for n in router["networks"]]
    # FRR refuses a loopback NEXT_HOP as martian: each router sends its router id instead.
    lines += [f"  neighbor {peer} route-map next-hop out" for _, peer, _, _ in router["neighbors"]]
    lines += [" exit-address-family", "route-map next-hop permit 10", f" set ip next-hop {router['router_id']}"]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("bird", "frr"):
        sys.exit(__doc__)
    kind, topology_file, out = sys.argv[1:]
    with open(topology_file, encoding="utf-8") as f:
        topology = yaml.safe_load(f)
    os.makedirs(out, exist_ok=True)
    for router in speakers(topology):
        folder = os.path.join(out, router["name"])
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o777)
        name = "bird.conf" if kind == "bird" else "bgpd.conf"
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(bird(router) if kind == "bird" else frr(router))
        os.chmod(os.path.join(folder, name), 0o666)
        print(router["name"], router["address"], router["port"])


if __name__ == "__main__":
    main()
