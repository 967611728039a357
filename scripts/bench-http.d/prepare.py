#!/usr/bin/env python3
"""bench-http's preparation: signs in the scale county's accounts and writes wrk's
request lists ("token<TAB>method<TAB>path<TAB>body"), one distinct case per request for
the write benchmarks. Standard library only; talks to the running server over HTTP like
any client (so nothing here depends on the database backend).

usage: prepare.py BASE_URL OUT_DIR DRAFTS SUBMITS
"""
import http.client
import json
import sys
import threading
import urllib.parse
import uuid

BASE, OUT, N_DRAFTS, N_SUBMITS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
PASSWORD = "demo12345"  # demo::DEMO_PASSWORD
TOWNSHIPS = 15  # demo_scale::TOWNSHIPS
RESIDENTS = 64  # distinct applicants (the scale county has 500): one per connection
URL = urllib.parse.urlparse(BASE)


def conn():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)


def call(c, method, path, token=None, body=None, ctype="application/json"):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = ctype
        if ctype == "application/json":
            body = json.dumps(body)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None


def login(c, phone):
    return call(c, "POST", "/api/v1/session", body={"phone": phone, "password": PASSWORD})["token"]


def township(i):
    return f"229901{100 + i:03d}"


def pdf():
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (zhengming) Tj ET\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
        "/Resources << /Font << /F1 4 0 R >> >> >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n{o}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


PDF = pdf()


def upload(c, token, app_id, kind):
    b = uuid.uuid4().hex
    body = (
        f'--{b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
        f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{kind}.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF + f"\r\n--{b}--\r\n".encode()
    call(c, "POST", f"/api/v1/applications/{app_id}/documents", token, body,
         f"multipart/form-data; boundary={b}")


DRAFT = {
    "type": "residence",
    "jurisdiction": township(0) + "200",
    # The scale county's residents have no ID number on file: they apply for a parent,
    # whose consent is a signed authorisation (a photo uploaded with the documents).
    "subject": {"name": "演示居民", "id_number": "229901199001010012", "relationship": "parent"},
    "form": {"address": "演示县演示1镇一村三组12号", "living_since": "2010-05-01",
             "permanent_resident": True, "purpose": "办理子女入学"},
    "delivery": {"method": "pickup"},
}


def lines(name, rows):
    with open(f"{OUT}/{name}.txt", "w") as f:
        for token, method, path, body in rows:
            f.write(f"{token}\t{method}\t{path}\t{json.dumps(body, ensure_ascii=False) if body else ''}\n")


def main():
    c = conn()
    official = login(c, "13600001000")  # township 0's official
    residents = [login(c, f"136{10_000 + i:08d}") for i in range(RESIDENTS)]
    queue = call(c, "GET", "/api/v1/applications?status=submitted,under_review&limit=50", official)
    mine = call(c, "GET", "/api/v1/applications?limit=50", residents[0])
    with open(f"{OUT}/env", "w") as f:
        f.write(f"OFFICIAL={official}\nRESIDENT={residents[0]}\n")
        f.write(f"CASE={queue['items'][0]['id']}\nOWN={len(mine['items'])}\n")
    lines("drafts", [(residents[i % RESIDENTS], "POST", "/api/v1/applications", DRAFT)
                     for i in range(N_DRAFTS)])

    # Submittable drafts: created and given their two required documents (PDFs) here.
    subs, lock = [], threading.Lock()

    def make(k):
        c = conn()
        for i in range(k, N_SUBMITS, 16):
            tok = residents[i % RESIDENTS]
            d = call(c, "POST", "/api/v1/applications", tok, DRAFT)
            upload(c, tok, d["id"], "id_card")
            upload(c, tok, d["id"], "lease_or_property")
            upload(c, tok, d["id"], "authorisation")
            v = call(c, "GET", f"/api/v1/applications/{d['id']}", tok)["version"]
            with lock:
                subs.append((tok, "POST", f"/api/v1/applications/{d['id']}/actions",
                             {"action": "submit", "version": v}))
    ts = [threading.Thread(target=make, args=(k,)) for k in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if len(subs) != N_SUBMITS:
        raise SystemExit(f"prepared {len(subs)} of {N_SUBMITS} submittable drafts")
    lines("submits", subs)

    # Approvals that issue: every township's cases under review at their last step.
    # A new connection: the first one sat idle past the server's keep-alive meanwhile.
    c = conn()
    approvals = []
    for i in range(TOWNSHIPS):
        tok = login(c, f"136{1000 + i:08d}")
        path = "/api/v1/applications?status=under_review&limit=100"
        while True:
            page = call(c, "GET", path, tok)
            for a in page["items"]:
                if a["current_step"] == 1:  # the seeded types have two steps
                    approvals.append((tok, "POST", f"/api/v1/applications/{a['id']}/actions",
                                      {"action": "approve", "version": a["version"]}))
            cur = page.get("next_cursor")
            if not cur:
                break
            path = f"/api/v1/applications?status=under_review&limit=100&cursor={cur}"
    lines("approvals", approvals)
    print(f"prepared: {N_DRAFTS} drafts, {len(subs)} submits, {len(approvals)} approvals")


main()
