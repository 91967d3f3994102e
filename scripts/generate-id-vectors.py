#!/usr/bin/env python3
"""Print the deterministic STIX id test vectors of test/vectors/stix-ids.json.

The ids are computed by the REFERENCE libraries (pycti's generate_id helpers and stix2's SCO
classes), so that test/unit/stix/id-vectors.test.ts can prove src/stix/ids.ts gives the same ids.
Python is NOT a dependency of the project: run this only to regenerate the vectors, in a
throwaway virtualenv outside the repository:

    python3 -m venv /tmp/pycti-venv
    /tmp/pycti-venv/bin/pip install stix2 pycti
    /tmp/pycti-venv/bin/python scripts/generate-id-vectors.py > test/vectors/stix-ids.json

Inputs are the values of the shared fixtures (ip-rich, domain-rich, file-md5, domain-idn, the
enrichment messages), plus a few edge cases (case, whitespace, non-ASCII, hash choice).
Output: {generated_by, libraries: {pycti, stix2}, vectors: [{kind, input, id, note?}]}.
"""
import datetime
import json
from importlib.metadata import version

import stix2
from pycti import Identity, Location, MarkingDefinition, StixCoreRelationship

vectors = []


def add(kind, input_, id_, note=None):
    vectors.append({"kind": kind, "input": input_, "id": id_, **({"note": note} if note else {})})
    return id_


# --- SCOs, stix2 classes (id = UUIDv5 of the JCS of the id-contributing properties) ---
SCO = {"ipv4-addr": stix2.IPv4Address, "ipv6-addr": stix2.IPv6Address, "domain-name": stix2.DomainName}
ids = {}
for kind, values in {
    # ip-rich main, domain-rich related, domain-idn related, ratelimited, docs (et-intelligence.md 2.8)
    "ipv4-addr": ["198.51.100.23", "203.0.113.14", "198.51.100.201", "198.51.100.12", "203.0.113.40",
                  "198.51.100.90", "198.51.100.10"],
    "ipv6-addr": ["2001:db8:4f::25", "2001:db8:a1::17"],
    "domain-name": ["payload-cdn.example.net", "update.example.net", "cdn-7.example.com", "mail.example.org",
                    "xn--bckerei-mller-bfb28a.example", "bäckerei-müller.example", "Payload-CDN.Example.NET"],
}.items():
    for value in values:
        ids[value] = add(kind, {"value": value}, SCO[kind](value=value).id)

MD5 = "08d9f42e95558080483d28154e573c8f"  # file-md5 scenario
SHA1 = "974f3f40e8fb201355dd34e4440a23e82c80b79d"
SHA256 = "f82ca897b3b59ac54c79a9f0b84d667993c93c51a8a2276a6aa600a896d116bd"
SSDEEP = "6144:RuYyCyWQSpG9iwKXW+enlBH7qDD0lQ+iz/SCUFXM:qPskCawXW2LDHWpB3mXF6PcY"
for md5 in ["06c50e4386c0b9d8d3347cf2f22f996e", "0aa4d2a540275d39ae9c13350f3cb87b",
            "c4c76bb048796a891fba34a884764a17", "d205a2cdec181d4c1f3a3631257afe7b",
            "24be73dfeaa83443b18679f21bbd64b1", "334f3b4bb5d8d6e845d59b5e04a8e5d4"]:
    ids[md5] = add("file", {"hashes": {"MD5": md5}}, stix2.File(hashes={"MD5": md5}).id)
for hashes, note in [
    ({"MD5": MD5}, None),
    ({"MD5": MD5, "SHA-256": SHA256}, "only MD5 contributes"),
    ({"MD5": MD5, "SHA-1": SHA1}, "only MD5 contributes (the manual-file-md5 message entity)"),
    ({"SHA-256": SHA256, "MD5": MD5, "SHA-1": SHA1}, "only MD5 contributes, whatever the key order"),
    ({"SHA-256": SHA256}, None),
    ({"SHA-1": SHA1}, None),
    ({"SHA-256": SHA256, "SHA-1": SHA1}, "SHA-1 before SHA-256"),
    ({"SSDEEP": SSDEEP, "SHA-256": SHA256}, "SHA-256 before SSDEEP"),
    ({"SSDEEP": SSDEEP}, "no MD5/SHA-1/SHA-256/SHA-512: stix2 takes the only (first) hash"),
]:
    ids[json.dumps(hashes)] = add("file", {"hashes": hashes}, stix2.File(hashes=hashes).id, note)

for number in [64502, 64503, 64500]:
    ids[number] = add("autonomous-system", {"number": number}, stix2.AutonomousSystem(number=number).id)

# --- pycti SDO/SRO helpers ---
for name, cls in [("ProofPoint ET Intelligence", "organization"), ("  proofpoint et INTELLIGENCE ", "Organization"),
                  ("Example Internal SOC", "organization")]:
    ids[name] = add("identity", {"name": name, "identity_class": cls}, Identity.generate_id(name, cls))

for name in ["Germany", "Federal Republic of Germany", "United States of America", "United States",
             " GERMANY ", "Côte d'Ivoire", "Åland Islands"]:
    ids[name] = add("location", {"name": name, "x_opencti_location_type": "Country"},
                    Location.generate_id(name, "Country"))

for definition in ["TLP:AMBER+STRICT", "TLP:GREEN", "TLP:CLEAR", "TLP:WHITE", "TLP:AMBER", "TLP:RED"]:
    add("marking-definition", {"definition_type": "TLP", "definition": definition},
        MarkingDefinition.generate_id("TLP", definition), "pycti's static TLP id")
add("marking-definition", {"definition_type": "statement", "definition": "custom"},
    MarkingDefinition.generate_id("statement", "custom"), "not TLP: UUIDv5 of {definition_type, definition}")


def rel(rtype, source, target, start_time=None, stop_time=None, note=None):
    input_ = {"relationship_type": rtype, "source_ref": source, "target_ref": target}
    if start_time is not None:
        input_["start_time"] = start_time if isinstance(start_time, str) else start_time.isoformat()
    if stop_time is not None:
        input_["stop_time"] = stop_time if isinstance(stop_time, str) else stop_time.isoformat()
    return add("relationship", input_,
               StixCoreRelationship.generate_id(rtype, source, target, start_time, stop_time), note)


ip, dom = ids["198.51.100.23"], ids["payload-cdn.example.net"]
for d in ["update.example.net", "cdn-7.example.com", "mail.example.org"]:  # ip-rich
    rel("resolves-to", ids[d], ip)
for md5 in ["06c50e4386c0b9d8d3347cf2f22f996e", "0aa4d2a540275d39ae9c13350f3cb87b", "c4c76bb048796a891fba34a884764a17"]:
    rel("communicates-with", ids[md5], ip)
rel("located-at", ip, ids["Germany"])
rel("located-at", ip, ids["Federal Republic of Germany"])
rel("belongs-to", ip, ids[64502])
for target in ["203.0.113.14", "198.51.100.201", "2001:db8:4f::25"]:  # domain-rich
    rel("resolves-to", dom, ids[target])
for md5 in ["d205a2cdec181d4c1f3a3631257afe7b", "24be73dfeaa83443b18679f21bbd64b1"]:
    rel("communicates-with", ids[md5], dom)

# What the optional times do (the connector leaves them out of the id, as the reference connector does).
src = ids["update.example.net"]
rel("resolves-to", src, ip, "2026-06-02T00:00:00Z", None, "start_time (a str) is added to the hashed data as is")
rel("resolves-to", src, ip, "2026-06-02T00:00:00Z", "2026-08-18T00:00:00Z", "start_time and stop_time both hashed")
rel("resolves-to", src, ip, datetime.datetime(2026, 6, 2, tzinfo=datetime.timezone.utc), None,
    "a datetime start_time is hashed as its isoformat() (+00:00, not Z), so it differs from the Z string")
rel("resolves-to", src, ip, None, "2026-08-18T00:00:00Z",
    "stop_time WITHOUT start_time is ignored by pycti: same id as without times")

print(json.dumps({
    "generated_by": "scripts/generate-id-vectors.py",
    "libraries": {"pycti": version("pycti"), "stix2": version("stix2")},
    "vectors": vectors,
}, indent=2, ensure_ascii=False))
