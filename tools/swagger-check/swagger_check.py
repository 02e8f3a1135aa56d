"""Swagger UI in a real browser (headless Chromium through chromedriver) against a running
Astral, as someone trying the API from `/docs/` would use it. Run by `cargo xtask
swagger-check`, which starts the server and makes the bot; see tools/swagger-check/README.md.

Checks, each a hard failure (exit 1) with what was seen:
1. `/docs/` loads and renders the contract, with no console error (warnings are printed);
2. every operation of the contract is listed (method and path, and its operationId);
3. "Authorize" takes the bot token (`Bot <token>`) in the one security scheme's dialog;
4. "Try it out" on GET /users/@me answers 200 with the bot;
5. "Try it out" on PATCH /users/@me: the body Swagger UI fills in is the contract's example
   (when it has one), sent as shown it answers 200, and the user answered carries every field
   of it.

Environment: ASTRAL_SWAGGER_BASE (e.g. http://127.0.0.1:41234), ASTRAL_SWAGGER_TOKEN (the
whole Authorization value), ASTRAL_SWAGGER_BOT_ID, ASTRAL_SWAGGER_CONTRACT (openapi/astral.json);
CHROMIUM and CHROMEDRIVER override /usr/bin/chromium and /usr/bin/chromedriver.
"""

import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

METHODS = ("get", "put", "post", "delete", "patch")
WAIT = 20  # seconds for any one thing to appear


class Failed(Exception):
    pass


def step(text):
    print(f"swagger-check: {text}", flush=True)


def contract_operations(contract):
    ops = {}
    for path, item in contract["paths"].items():
        for method in METHODS:
            if method in item:
                ops[(method.upper(), path)] = item[method]
    return ops


def resolve(contract, value):
    while isinstance(value, dict) and "$ref" in value:
        node = contract
        for part in value["$ref"].lstrip("#/").split("/"):
            node = node[part]
        value = node
    return value


def request_example(contract, operation):
    """The example Swagger UI fills a body in with: the media type's, else its schema's (None
    when the contract has neither, and Swagger UI makes one up from the schema)."""
    media = resolve(contract, operation["requestBody"])["content"]["application/json"]
    if "example" in media:
        return media["example"]
    return resolve(contract, media["schema"]).get("example")


def contains(whole, part, where="$"):
    """Every field of `part` is in `whole` with the same value (objects compared field by field,
    arrays item by item)."""
    if isinstance(part, dict):
        if not isinstance(whole, dict):
            return [f"{where}: expected an object, got {whole!r}"]
        missing = []
        for key, value in part.items():
            if key not in whole:
                missing.append(f"{where}.{key}: absent from the answer")
            else:
                missing += contains(whole[key], value, f"{where}.{key}")
        return missing
    if isinstance(part, list):
        if not isinstance(whole, list) or len(whole) != len(part):
            return [f"{where}: sent {part!r}, answered {whole!r}"]
        return [m for i, (w, p) in enumerate(zip(whole, part)) for m in contains(w, p, f"{where}[{i}]")]
    return [] if whole == part else [f"{where}: sent {part!r}, answered {whole!r}"]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver: Selenium Manager would otherwise try to download one.
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def console_errors(driver, seen):
    errors = []
    for entry in driver.get_log("browser"):
        line = f"{entry['level']}: {entry['message']}"
        seen.append(line)
        if entry["level"] == "SEVERE":
            errors.append(line)
    return errors


def wait_for(driver, condition, what):
    try:
        return WebDriverWait(driver, WAIT).until(condition)
    except TimeoutException:
        raise Failed(f"timed out after {WAIT}s waiting for {what}") from None


def click(driver, element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def button_named(scope, text, required=True):
    """The one button in `scope` whose visible text is `text`."""
    found = [b for b in scope.find_elements(By.TAG_NAME, "button") if b.text.strip() == text]
    if len(found) == 1:
        return found[0]
    if required:
        raise Failed(f"{len(found)} buttons named {text!r}, expected 1")
    return None


def operation_block(driver, operation_id):
    blocks = driver.find_elements(By.CSS_SELECTOR, f"[id^='operations-'][id$='-{operation_id}']")
    blocks = [b for b in blocks if b.get_attribute("id").endswith(f"-{operation_id}")]
    if len(blocks) != 1:
        raise Failed(f"{operation_id}: {len(blocks)} operation blocks on the page, expected 1")
    return blocks[0]


def try_it_out(driver, operation_id, body=None):
    """Opens the operation, presses "Try it out", optionally checks the body Swagger UI filled
    in, presses "Execute" and returns (status, body text, filled-in body)."""
    block = operation_block(driver, operation_id)
    if "is-open" not in block.get_attribute("class"):
        click(driver, block.find_element(By.CSS_SELECTOR, ".opblock-summary"))
    button = wait_for(driver, lambda d: block.find_element(By.CSS_SELECTOR, ".try-out__btn"),
                      f"{operation_id}: the Try it out button")
    click(driver, button)
    filled = None
    if body:
        area = wait_for(driver, lambda d: block.find_element(By.CSS_SELECTOR, "textarea.body-param__text"),
                        f"{operation_id}: the request body editor")
        filled = area.get_attribute("value")
    click(driver, wait_for(driver, lambda d: block.find_element(By.CSS_SELECTOR, "button.execute"),
                           f"{operation_id}: the Execute button"))
    status = wait_for(
        driver,
        lambda d: block.find_element(By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"),
        f"{operation_id}: the server's answer",
    ).text.strip()
    shown = block.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response .response-col_description .highlight-code pre"
    ).get_attribute("textContent")
    return status, shown, filled


def run(driver, base, token, bot_id, contract, log):
    ops = contract_operations(contract)

    driver.get(f"{base}/docs/")
    wait_for(driver, EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")), "the operations to render")
    # Rendering is done once the count stops changing.
    count, stable = -1, 0
    deadline = time.time() + WAIT
    while stable < 3 and time.time() < deadline:
        now = len(driver.find_elements(By.CSS_SELECTOR, ".opblock"))
        stable = stable + 1 if now == count else 0
        count = now
        time.sleep(0.2)
    title = driver.find_element(By.CSS_SELECTOR, ".info .title").text.splitlines()[0].strip()
    if not title.startswith(contract["info"]["title"]):
        raise Failed(f"the page shows {title!r}, not the contract ({contract['info']['title']!r})")
    errors = console_errors(driver, log)
    if errors:
        raise Failed("console errors while loading /docs/:\n  " + "\n  ".join(errors))
    step(f"/docs/ loaded: {title!r}, no console error")

    listed = set()
    for block in driver.find_elements(By.CSS_SELECTOR, ".opblock"):
        method = block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text.strip().upper()
        path = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path")
        listed.add((method, path))
    missing = sorted(set(ops) - listed)
    extra = sorted(listed - set(ops))
    if missing or extra:
        raise Failed(f"operations listed differ from the contract: missing {missing}, not in the contract {extra}")
    for op in ops.values():
        operation_block(driver, op["operationId"])
    step(f"all {len(ops)} operations of the contract are listed")

    schemes = contract["components"]["securitySchemes"]
    if len(schemes) != 1:
        raise Failed(f"the contract has {len(schemes)} security schemes; the dialog is checked with one")
    click(driver, driver.find_element(By.CSS_SELECTOR, "button.btn.authorize"))
    modal = wait_for(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")), "the Authorize dialog")
    inputs = modal.find_elements(By.CSS_SELECTOR, ".auth-container input")
    if len(inputs) != 1:
        raise Failed(f"the Authorize dialog has {len(inputs)} inputs, expected 1")
    inputs[0].send_keys(token)
    click(driver, button_named(modal, "Authorize"))
    wait_for(driver, lambda d: button_named(modal, "Logout", required=False),
             "the dialog to show the scheme authorized (a Logout button)")
    click(driver, button_named(modal, "Close"))
    wait_for(driver, EC.invisibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")), "the dialog to close")
    step("authorized with the bot token")

    status, shown, _ = try_it_out(driver, "get_my_user")
    if status != "200":
        raise Failed(f"GET /users/@me answered {status}: {shown}")
    me = json.loads(shown)
    if me.get("id") != bot_id or me.get("bot") is not True:
        raise Failed(f"GET /users/@me answered 200 with someone else: {shown}")
    step(f"Try it out, GET /users/@me: 200, {me['username']} ({me['id']})")

    patch = ops[("PATCH", "/users/@me")]
    example = request_example(contract, patch)
    status, shown, filled = try_it_out(driver, "update_my_user", body=True)
    try:
        filled_value = json.loads(filled)
    except ValueError:
        raise Failed(f"the PATCH /users/@me body Swagger UI fills in is not JSON: {filled!r}") from None
    if example is not None and filled_value != example:
        raise Failed(f"the PATCH /users/@me body shown is not the contract's example:\n{filled}")
    if status != "200":
        raise Failed(f"PATCH /users/@me with the body shown by default answered {status}: {shown}\nbody sent:\n{filled}")
    differences = contains(json.loads(shown), filled_value)
    if differences:
        raise Failed("PATCH /users/@me answered 200 without the example's values:\n  " + "\n  ".join(differences))
    step(f"Try it out, PATCH /users/@me with the example body as shown: 200 ({', '.join(filled_value)})")

    errors = console_errors(driver, log)
    if errors:
        raise Failed("console errors while trying the operations:\n  " + "\n  ".join(errors))


def main():
    base = os.environ["ASTRAL_SWAGGER_BASE"].rstrip("/")
    token = os.environ["ASTRAL_SWAGGER_TOKEN"]
    bot_id = os.environ["ASTRAL_SWAGGER_BOT_ID"]
    with open(os.environ["ASTRAL_SWAGGER_CONTRACT"], encoding="utf-8") as f:
        contract = json.load(f)
    started = time.time()
    log = []
    driver = browser()
    try:
        run(driver, base, token, bot_id, contract, log)
    except Failed as e:
        print(f"swagger-check: FAILED: {e}", file=sys.stderr)
        if log:
            print("browser console:\n  " + "\n  ".join(log), file=sys.stderr)
        return 1
    finally:
        driver.quit()
    for line in log:
        print(f"swagger-check: console {line}")
    step(f"done in {time.time() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
