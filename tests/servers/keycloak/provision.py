#!/usr/bin/env python3
"""Adds the SMART scope catalogue, the fhirUser mapper and the backend
service's key to the test realm through Keycloak's Admin REST API.

Idempotent: what exists is left alone, so it can run against a Keycloak that
was already running. Standard library only.
"""
import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:18080")
REALM = os.environ.get("PROXYSMART_TEST_REALM", "proxy-smart-test")
ADMIN = os.environ["KC_BOOTSTRAP_ADMIN_USERNAME"]
PASSWORD = os.environ["KC_BOOTSTRAP_ADMIN_PASSWORD"]
RUN_DIR = os.environ.get("PROXYSMART_RUN_DIR", "/tmp")

RESOURCE_TYPES = ["Patient", "Observation", "Condition", "Encounter", "MedicationRequest",
                  "Practitioner", "CareTeam", "Consent", "AllergyIntolerance", "Immunization"]


GATEWAY_AUDIENCE_SCOPE = "proxy-smart-gateway-audience"
# v2 granular scopes the gateway's pipeline tests ask for (test tool only).
GRANULAR_SCOPES = [
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category"
    "|laboratory",
]


def scope_catalogue():
    scopes = ["launch", "launch/patient", "launch/encounter", "fhirUser", "online_access"]
    for context in ("patient", "user", "system"):
        scopes += [f"{context}/*.read", f"{context}/*.write", f"{context}/*.*",
                   f"{context}/*.rs", f"{context}/*.cruds"]
    for context in ("patient", "user"):
        for rtype in RESOURCE_TYPES:
            scopes += [f"{context}/{rtype}.read", f"{context}/{rtype}.rs"]
    return scopes


def call(method, path, token=None, body=None, form=None):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def check(status, answer, what):
    if status >= 300:
        sys.exit(f"provision: {what} failed with HTTP {status}: {answer}")


def b64url_int(hex_text):
    raw = bytes.fromhex(hex_text if len(hex_text) % 2 == 0 else "0" + hex_text)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def backend_jwks():
    """An RSA key for the backend-service client; the private half stays in the run dir."""
    key = os.path.join(RUN_DIR, "backend-service-key.pem")
    if not os.path.exists(key):
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", key], check=True, capture_output=True)
        os.chmod(key, 0o600)
    modulus = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    return {"keys": [{"kty": "RSA", "alg": "RS384", "use": "sig", "kid": "backend-service-1",
                      "n": b64url_int(modulus), "e": "AQAB"}]}


def main():
    status, answer = call("POST", "/realms/master/protocol/openid-connect/token",
                          form={"grant_type": "password", "client_id": "admin-cli",
                                "username": ADMIN, "password": PASSWORD})
    check(status, answer, "admin sign-in")
    token = answer["access_token"]
    admin = f"/admin/realms/{REALM}"

    status, existing = call("GET", admin + "/client-scopes", token)
    check(status, existing, "listing client scopes")
    by_name = {scope["name"]: scope["id"] for scope in existing}
    created = 0
    for name in scope_catalogue() + GRANULAR_SCOPES:
        if name in by_name:
            continue
        body = {"name": name, "protocol": "openid-connect",
                "attributes": {"include.in.token.scope": "true",
                               "display.on.consent.screen": "true"}}
        if name == "fhirUser":
            body["protocolMappers"] = [{
                "name": "fhirUser", "protocol": "openid-connect",
                "protocolMapper": "oidc-usermodel-attribute-mapper",
                "config": {"user.attribute": "fhirUser", "claim.name": "fhirUser",
                           "jsonType.label": "String", "id.token.claim": "true",
                           "access.token.claim": "true", "userinfo.token.claim": "true",
                           "introspection.token.claim": "true"}}]
        status, answer = call("POST", admin + "/client-scopes", token, body)
        check(status, answer, f"creating scope {name}")
        created += 1
    # An optional scope that puts the gateway in the access token's "aud", so
    # tests of the gateway's pipeline can ask for tokens meant for it (tokens
    # without this scope keep having no audience for the gateway).
    if GATEWAY_AUDIENCE_SCOPE not in by_name:
        body = {"name": GATEWAY_AUDIENCE_SCOPE, "protocol": "openid-connect",
                "attributes": {"include.in.token.scope": "true",
                               "display.on.consent.screen": "false"},
                "protocolMappers": [{
                    "name": "gateway-audience", "protocol": "openid-connect",
                    "protocolMapper": "oidc-audience-mapper",
                    "config": {"included.custom.audience": "proxy-smart-gateway",
                               "access.token.claim": "true", "id.token.claim": "false",
                               "introspection.token.claim": "true"}}]}
        status, answer = call("POST", admin + "/client-scopes", token, body)
        check(status, answer, f"creating scope {GATEWAY_AUDIENCE_SCOPE}")
        created += 1
    status, existing = call("GET", admin + "/client-scopes", token)
    check(status, existing, "listing client scopes")
    by_name = {scope["name"]: scope["id"] for scope in existing}

    status, clients = call("GET", admin + "/clients", token)
    check(status, clients, "listing clients")
    clients = {client["clientId"]: client for client in clients}
    user_scopes = [s for s in scope_catalogue() if not s.startswith("system/")] + ["offline_access"]
    system_scopes = [s for s in scope_catalogue() if s.startswith("system/")]
    assignments = {"smart-public-app": user_scopes, "smart-confidential-app": user_scopes,
                   "smart-backend-service": system_scopes, "proxy-smart-gateway": user_scopes,
                   "proxy-smart-test-tool": user_scopes + system_scopes
                   + [GATEWAY_AUDIENCE_SCOPE] + GRANULAR_SCOPES}
    for client_id, scopes in assignments.items():
        client = clients[client_id]
        status, current = call("GET", f"{admin}/clients/{client['id']}/optional-client-scopes", token)
        check(status, current, f"reading scopes of {client_id}")
        have = {scope["name"] for scope in current}
        for name in scopes:
            if name not in have:
                status, answer = call("PUT", f"{admin}/clients/{client['id']}/optional-client-scopes/"
                                      f"{by_name[name]}", token)
                check(status, answer, f"giving {client_id} the scope {name}")

    backend = clients["smart-backend-service"]
    if "jwks.string" not in backend.get("attributes", {}):
        backend["attributes"]["jwks.string"] = json.dumps(backend_jwks())
        status, answer = call("PUT", f"{admin}/clients/{backend['id']}", token, backend)
        check(status, answer, "registering the backend service's key")
    print(f"provision: realm {REALM} ready ({created} scopes created, "
          f"{len(scope_catalogue())} in the catalogue)")


if __name__ == "__main__":
    main()
