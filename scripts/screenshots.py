"""The front line as a Slovene clinician sees it: full-page screenshots at phone and desktop size.

Against a running service with the demo users (`bash scripts/run.sh`), in Debian's Chromium with
a Slovene locale: the referral form, a referral from SB Murska Sobota as its doctor sees it, the
board and the mission page before and after the team is activated, and the paged physician's
phone before and after they accept. Each page is taken at 390 × 844 and at 1440 × 900 (JPEG, for docs/screenshots/).

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 docs/screenshots/now

It creates one referral and activates the team: run it on a demo database, never on a real one.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import requests
from playwright.sync_api import Browser, sync_playwright

DEMO_PASSWORD = "ecmo-demo-2026"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
REFERRAL = {
    "support": "vv",
    "vv_cause": "viral_pneumonia",
    "patient_age": 52,
    "patient_sex": "female",
    "patient_weight_kg": "70",
    "referring_physician": "Maja Zupan",
    "callback_phone": "+38641555111",
    "gas_unit": "kPa",
    "pao2": 7,
    "fio2": 90,
    "peep_cmh2o": 14,
    "cxr_quadrants": 4,
}


class Walk:
    """One service, one output folder; each step logs in afresh as the person whose page it is."""

    def __init__(self, base: str, out: Path, browser: Browser) -> None:
        self.base, self.out, self.browser = base.rstrip("/"), out, browser
        self.tokens: dict[str, str] = {}

    def api(self, user: str, method: str, path: str, body: dict | None = None) -> dict:
        if user not in self.tokens:
            answer = requests.post(
                f"{self.base}/api/v1/auth/token/", json={"username": user, "password": DEMO_PASSWORD}, timeout=30
            )
            answer.raise_for_status()
            self.tokens[user] = answer.json()["token"]
        answer = requests.request(
            method, self.base + path, json=body, headers={"Authorization": f"Token {self.tokens[user]}"}, timeout=30
        )
        if answer.status_code >= 400:
            raise SystemExit(f"{method} {path} as {user}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def shoot(self, user: str, path: str, name: str) -> None:
        for size, (width, height) in SIZES.items():
            context = self.browser.new_context(
                locale="sl-SI",
                timezone_id="Europe/Ljubljana",
                viewport={"width": width, "height": height},
                extra_http_headers={"Accept-Language": "sl-SI,sl;q=0.9"},
            )
            page = context.new_page()
            page.goto(f"{self.base}/login/")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", DEMO_PASSWORD)
            # The login form's own button: the top bar's language switch is a form too.
            page.locator("form[action='/login/'] [type=submit]").first.click()
            page.wait_for_load_state("networkidle")
            if "/login/" in page.url:
                raise SystemExit(f"login as {user} failed (is this a demo database?)")
            page.goto(self.base + path)
            page.wait_for_load_state("networkidle")
            time.sleep(1.5)  # live pages: the snapshot over the socket, then the clocks
            page.screenshot(path=str(self.out / f"{name}-{size}.jpg"), full_page=True, type="jpeg", quality=60)
            context.close()
        print(f"{name}: {path}")

    def run(self) -> None:
        self.shoot("referrer", "/referrals/new/", "1-referral-form")
        mission_id = self.api("referrer", "POST", "/api/v1/referrals/", REFERRAL)["mission_id"]
        self.shoot("referrer", f"/referrals/{mission_id}/", "2-referrer-page-waiting")
        self.shoot("coordinator", "/board/", "3-board-new-referral")
        self.shoot("coordinator", f"/missions/{mission_id}/", "4-mission-page-requested")
        self.api(
            "coordinator",
            "POST",
            f"/api/v1/missions/{mission_id}/transitions/",
            {"to": "team_activated", "reason": "huda ARDS, Murray 3,5"},
        )
        time.sleep(4)  # the first pages go out
        self.shoot("coordinator", "/board/", "5-board-activated")
        self.shoot("coordinator", f"/missions/{mission_id}/", "6-mission-page-activated")
        self.shoot("physician", "/team/", "7-team-phone-paged")
        self.shoot("referrer", f"/referrals/{mission_id}/", "8-referrer-page-activated")
        alerts = self.api("physician", "GET", "/api/v1/alerts/?open=true")
        alert = next(a for a in alerts if a["mission_id"] == mission_id)
        self.api("physician", "POST", f"/api/v1/alerts/{alert['id']}/accept/", {})
        self.shoot("physician", "/team/", "9-team-phone-on-mission")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="the running service, e.g. http://127.0.0.1:8000")
    parser.add_argument("out", type=Path, help="folder for the images")
    args = parser.parse_args()
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is needed (apt-get install chromium; scripts/test.sh installs it)")
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            Walk(args.base_url, args.out, browser).run()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
