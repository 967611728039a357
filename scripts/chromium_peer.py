#!/usr/bin/env python3
"""Peer figure for issue 5: a warm headless Chromium printing an equivalent HTML
certificate to PDF, repeatedly, in one browser session (chromedriver, WebDriver
`POST /session/{id}/print`).

    python3 scripts/chromium_peer.py TEXT_FILE [N]

TEXT_FILE holds the certificate's text, one line per paragraph (e.g. `pdftotext
-layout` of one of our certificates); the first line is the title, the second the
number. The page sets it in the same font (AR PL UMing CN: Chromium loads no .ttc
through @font-face, so it takes the identical system copy from Debian's
fonts-arphic-uming, `apt-get install fonts-arphic-uming`) with a vector seal
(SVG) and a 33x33-module QR-like SVG, like our PDF. Prints the cold start, the
median / p95 of N prints (default 20) and the PDF size, and the browser's memory
(sum of RSS of chromium processes) after the prints. Standard library only.
"""
import base64, hashlib, json, os, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 9517


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def qr_svg(seed):
    n, cells = 33, []
    h = hashlib.sha256(seed.encode()).digest()
    bits = "".join(f"{b:08b}" for b in (h * 40))
    for y in range(n):
        for x in range(n):
            finder = any(x0 <= x < x0 + 7 and y0 <= y < y0 + 7 for x0, y0 in ((0, 0), (n - 7, 0), (0, n - 7)))
            if finder:
                dx = min(abs(x - x0c) for x0c in (3, n - 4)) if x < 7 or x >= n - 7 else 9
                dy = min(abs(y - y0c) for y0c in (3, n - 4)) if y < 7 or y >= n - 7 else 9
                on = max(dx, dy) != 2
            else:
                on = bits[y * n + x] == "1"
            if on:
                cells.append(f'<rect x="{x}" y="{y}" width="1" height="1"/>')
    return f'<svg viewBox="-2 -2 {n+4} {n+4}" width="30mm" height="30mm"><g fill="#000">{"".join(cells)}</g></svg>'


def seal_svg(office):
    chars = list(office)
    k = len(chars)
    texts = []
    for i, c in enumerate(chars):
        a = -150 + 120 * i / max(k - 1, 1)
        texts.append(f'<text transform="rotate({a + 90} 50 50) translate(50 16)" text-anchor="middle" font-size="10">{c}</text>')
    star = "50,38 53,47 62,47 55,52 58,61 50,56 42,61 45,52 38,47 47,47"
    return (f'<svg viewBox="0 0 100 100" width="42mm" height="42mm" style="position:absolute;right:30mm;bottom:-10mm">'
            f'<g fill="#d0021b" stroke="none" font-family="UMing"><circle cx="50" cy="50" r="47" fill="none" stroke="#d0021b" stroke-width="3"/>'
            f'{"".join(texts)}<polygon points="{star}"/><text x="50" y="75" text-anchor="middle" font-size="8">证明专用章</text></g></svg>')


def html(lines):
    title, number, *body = [l.strip() for l in lines if l.strip()]
    office, date = (body[-2], body[-1]) if len(body) >= 2 else ("", "")
    paras = "".join(f"<p>{p}</p>" for p in body[:-2])
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
@font-face {{ font-family: UMing; src: local("AR PL UMing CN"); }}
@page {{ size: A4; margin: 25mm; }}
body {{ font-family: UMing; font-size: 14pt; line-height: 1.9; margin: 0; }}
h1 {{ text-align: center; font-size: 26pt; letter-spacing: 0.5em; font-weight: normal; margin: 0 0 4pt; }}
.no {{ text-align: right; font-size: 10.5pt; }}
p {{ text-indent: 2em; margin: 0; text-align: justify; }}
.sig {{ position: relative; margin-top: 3em; text-align: right; padding-right: 2em; }}
.qr {{ position: absolute; left: 0; top: -2em; text-align: center; font-size: 10.5pt; }}
</style></head><body><h1>{title}</h1><div class="no">{number}</div>{paras}
<div class="sig"><div class="qr">{qr_svg(number)}<br>扫码核验真伪</div>{seal_svg(office)}
<div>{office}</div><div>{date}</div></div></body></html>"""


def browser_rss_kb():
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                if "chrom" not in f.read():
                    continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def main():
    text_file = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with open(text_file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    page = os.path.join(tempfile.mkdtemp(), "cert.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write(html(lines))
    drv = subprocess.Popen(["/usr/bin/chromedriver", f"--port={PORT}"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            try:
                call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        t0 = time.perf_counter()
        sess = call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]}}}})
        sid = sess["value"]["sessionId"]
        call("POST", f"/session/{sid}/url", {"url": "file://" + page})
        first = call("POST", f"/session/{sid}/print", {"pageRanges": [], "background": True})
        cold = time.perf_counter() - t0
        times, size = [], 0
        for _ in range(n):
            t = time.perf_counter()
            pdf = base64.b64decode(call("POST", f"/session/{sid}/print", {"background": True})["value"])
            times.append(time.perf_counter() - t)
            size = len(pdf)
        times.sort()
        out = os.environ.get("PEER_PDF")
        if out:
            with open(out, "wb") as f:
                f.write(pdf)
        rss = browser_rss_kb()
        print(f"chromium {json.dumps(sess['value']['capabilities'].get('browserVersion'))}: "
              f"cold (start + load + first print) {cold*1e3:.0f} ms; warm print: median "
              f"{statistics.median(times)*1e3:.1f} ms, p95 {times[int(0.95*(n-1))]*1e3:.1f} ms "
              f"over {n}; PDF {size} bytes (first {len(base64.b64decode(first['value']))}); "
              f"browser RSS {rss//1024} MB")
        call("DELETE", f"/session/{sid}")
    finally:
        os.killpg(drv.pid, 15)


if __name__ == "__main__":
    main()
