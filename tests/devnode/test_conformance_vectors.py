"""clients/conformance/vectors/ are what the devnode's own code produces today."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

from tests.support.devnode import ROOT

GENERATOR = ROOT / "clients" / "conformance" / "generate.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conformance_generate", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_vectors_are_what_the_generator_writes() -> None:
    assert load_generator().main(["--check"]) == 0, "run .venv/bin/python clients/conformance/generate.py"


def test_every_signing_vector_verifies_with_the_devnode_and_fails_for_another_chain() -> None:
    from devnode.crypto import public_key_from_address, signing_payload, verify_signature

    cases = json.loads((GENERATOR.parent / "vectors" / "signing.json").read_text())["cases"]
    assert len(cases) >= 5
    for case in cases:
        params = json.loads(case["params"])
        public = public_key_from_address(case["address"])
        payload = signing_payload(case["method"], params, case["nonce"], chain_id=case["chain_id"])
        assert payload.decode() == case["signed_bytes"]
        assert verify_signature(public, payload, case["signature"])
        elsewhere = signing_payload(case["method"], params, case["nonce"], chain_id="another")
        assert not verify_signature(public, elsewhere, case["signature"])
