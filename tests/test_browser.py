"""The chapter as a learner sees it: JupyterLab in headless Chromium, and the website.

JupyterLab runs from this environment on 127.0.0.1 (a free port, a token), with
every cell rendered (no windowing) and no autosave (running notebook 06 must not
change its stored outputs), and is stopped at the end whatever happens.
Each notebook must open with the project's kernel and show its stored figures
and tables, and no error; in notebook 06, typing a review must show its label
and probability. Screenshots of each page go to build/browser/; when a check
fails, the page's console log is written beside them and quoted in the failure.
Needs Debian's chromium and chromium-driver (make browser installs them).
"""
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, free_port

webdriver = pytest.importorskip('selenium.webdriver')
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow
NOTEBOOKS = sorted(p.name for p in (ROOT / 'notebooks').glob('[0-9]*.ipynb'))
KERNEL = 'Python (d2lsent)'
SHOTS = ROOT / 'build' / 'browser'
BOOK = ROOT / 'build' / 'book' / 'html'
PAGE = '.jp-NotebookPanel:not(.lm-mod-hidden)'  # the notebook on show
WAIT_S = 180  # the slowest step: notebook 06 loads both frameworks in a fresh kernel


def _wait_for_port(port, process, seconds=120):
    for _ in range(seconds):
        if process.poll() is not None:
            pytest.fail(f'JupyterLab exited with status {process.returncode}: see '
                        f'{SHOTS / "lab.log"}')
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(1)
    pytest.fail(f'JupyterLab did not listen on port {port} within {seconds} s.')


@pytest.fixture(scope='module')
def browser():
    """Headless Chromium (Debian's), driven by its chromedriver."""
    paths = [shutil.which(name) for name in ('chromium', 'chromedriver')]
    if not all(paths):
        pytest.fail('The browser test needs Debian\'s chromium and chromedriver: run '
                    '`make browser` (apt-get install chromium chromium-driver).')
    options = webdriver.ChromeOptions()
    for arg in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage',
                '--window-size=1400,1000'):
        options.add_argument(arg)
    options.binary_location = paths[0]
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    """JupyterLab on a free port of 127.0.0.1 with a token: its base URL."""
    settings = tmp_path_factory.mktemp('lab-settings')
    tracker = settings / '@jupyterlab' / 'notebook-extension' / 'tracker.jupyterlab-settings'
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({'windowingMode': 'none'}))  # render every cell
    docmanager = settings / '@jupyterlab' / 'docmanager-extension' / 'plugin.jupyterlab-settings'
    docmanager.parent.mkdir(parents=True)
    docmanager.write_text(json.dumps({'autosave': False}))  # the stored outputs stay
    port, token = free_port(), secrets.token_hex(16)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with open(SHOTS / 'lab.log', 'w') as log:
        process = subprocess.Popen(
            [str(pathlib.Path(sys.executable).parent / 'jupyter'), 'lab', '--no-browser',
             '--allow-root', '--ip=127.0.0.1', f'--port={port}',
             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={ROOT / "notebooks"}',
             f'--LabApp.user_settings_dir={settings}',
             f'--LabApp.workspaces_dir={tmp_path_factory.mktemp("lab-workspaces")}'],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, process)
        yield f'http://127.0.0.1:{port}', token
    finally:  # the server and its kernels
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _fail(driver, name, message):
    """Save the page and its console log, then fail quoting the log."""
    driver.save_screenshot(str(SHOTS / f'{name}-failed.png'))
    log = driver.get_log('browser')
    (SHOTS / f'{name}-console.log').write_text(
        '\n'.join(f"{e['level']}: {e['message']}" for e in log))
    problems = '\n'.join(f"{e['level']}: {e['message']}" for e in log
                         if e['level'] in ('WARNING', 'SEVERE'))
    pytest.fail(f'{message}\nscreenshot: {SHOTS / f"{name}-failed.png"}\n'
                f'console warnings and errors ({SHOTS / f"{name}-console.log"}):\n'
                f'{problems[-3000:] or "none"}')


def _stored(notebook):
    """Counts of what the stored notebook shows: figures, tables, error outputs."""
    cells = json.loads((ROOT / 'notebooks' / notebook).read_text())['cells']
    outputs = [o for c in cells if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    return dict(
        figures=sum('image/png' in o.get('data', {}) for o in outputs),
        tables=sum('<table' in ''.join(o.get('data', {}).get('text/html', ''))
                   for o in outputs),
        errors=sum(o['output_type'] == 'error' for o in outputs))


def _open(driver, lab, notebook):
    url, token = lab
    driver.get(f'{url}/lab/tree/{notebook}?reset&token={token}')  # reset: no other tabs
    WebDriverWait(driver, WAIT_S).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, f'{PAGE} .jp-Cell')))
    WebDriverWait(driver, WAIT_S).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'{PAGE} .jp-Toolbar-kernelName').text
        not in ('', 'No Kernel', 'Kernel'))


def _shown(driver):
    """What the page shows in its outputs: figures loaded, figures, tables, text."""
    return driver.execute_script('''
        const outputs = [...document.querySelectorAll(arguments[0] + ' .jp-OutputArea-output')];
        const images = outputs.flatMap(o => [...o.querySelectorAll('img')]);
        return {figures: images.length,
                loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
                tables: outputs.flatMap(o => [...o.querySelectorAll('table')]).length,
                text: outputs.map(o => o.innerText).join('\\n')};''', PAGE)


@pytest.mark.parametrize('notebook', NOTEBOOKS)
def test_each_notebook_opens_with_the_kernel_its_figures_and_tables(browser, lab, notebook):
    name = notebook.removesuffix('.ipynb')
    try:
        _open(browser, lab, notebook)
    except Exception as error:  # a timeout: what did the page show?
        _fail(browser, name, f'{notebook} did not open in JupyterLab: {error!r}')
    stored, shown = _stored(notebook), _shown(browser)
    browser.save_screenshot(str(SHOTS / f'{name}.png'))
    kernel = browser.find_element(By.CSS_SELECTOR, f'{PAGE} .jp-Toolbar-kernelName').text
    if kernel != KERNEL:
        _fail(browser, name, f'{notebook} opened with the kernel {kernel!r}, not {KERNEL!r}.')
    if shown['figures'] != stored['figures']:
        _fail(browser, name, f"{notebook}: {shown['figures']} figures shown, "
                             f"{stored['figures']} stored.")
    if shown['loaded'] != shown['figures']:
        _fail(browser, name, f"{notebook}: {shown['figures'] - shown['loaded']} figures "
                             f"did not load.")
    if shown['tables'] < stored['tables']:
        _fail(browser, name, f"{notebook}: {shown['tables']} tables shown, "
                             f"{stored['tables']} stored.")
    if stored['errors'] or 'Traceback' in shown['text']:
        _fail(browser, name, f'{notebook} shows an error in its outputs.')


def test_the_review_box_answers_as_the_learner_types(browser, lab):
    """Run notebook 06 as a learner does (Run > Run All Cells), type a review into its
    text box and read the label, the probability and the unknown words."""
    _open(browser, lab, '06_your_review.ipynb')
    wait = WebDriverWait(browser, WAIT_S)
    try:
        browser.find_element(By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') "
                                       "and text()='Run']").click()
        browser.find_element(By.XPATH, "//div[contains(@class,'lm-Menu-itemLabel') "
                                       "and text()='Run All Cells']").click()
        reading = wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, '.d2lsent-reading')))
        wait.until(lambda d: reading.get_attribute('textContent').strip())
        box = browser.find_element(By.CSS_SELECTOR, '.widget-textarea textarea')
        browser.execute_script('arguments[0].scrollIntoView({block: "center"})', box)
        browser.save_screenshot(str(SHOTS / 'widget-before.png'))
        box.clear()
        box.send_keys('A dull, wooden film, but Zorbulon was fun.')
        wait.until(lambda d: 'zorbulon' in reading.get_attribute('textContent'))
    except Exception as error:
        _fail(browser, 'widget', f'The review box did not answer: {error!r}')
    browser.save_screenshot(str(SHOTS / 'widget-after.png'))
    shown = reading.get_attribute('textContent')
    assert shown.split()[0] in ('positive', 'negative'), shown
    assert '%' in shown or '0.' in shown, shown
    # Under the answer, the review's words on backgrounds as strong as their scores.
    try:
        wait.until(lambda d: 'zorbulon' in [word for word, _, _ in _highlighted(d)])
    except Exception as error:
        _fail(browser, 'widget', f'The review box highlights no words: {error!r}')
    words = _highlighted(browser)
    assert [w for w, _, _ in words][:3] == ['a', 'dull', ','], words
    assert all(re.fullmatch(r'[+-]\d\.\d{3}', title) for _, title, _ in words), words
    alphas = [float(colour.rsplit(',', 1)[1].rstrip(')')) if colour.startswith('rgba')
              else 1.0 for _, _, colour in words]  # Chrome writes rgb() for opaque
    assert max(alphas) > 0.3 and min(alphas) < max(alphas), words


def _highlighted(driver):
    """``[word, its score, its background colour]`` of the review box's highlighting
    (under its answer, in the box's own widget; the notebook shows others)."""
    return driver.execute_script(
        "const box = document.querySelector('.d2lsent-reading').closest('.widget-vbox');"
        "return [...box.querySelectorAll('.d2lsent-attributions span')]"
        ".map(s => [s.textContent, s.title, s.style.backgroundColor])")


@pytest.mark.skipif(not (BOOK / 'index.html').is_file(),
                    reason='the website is not built: make book (make test builds it)')
def test_the_website_shows_its_chapters_and_their_figures(browser):
    browser.get((BOOK / 'index.html').as_uri())  # leads to the contents page
    WebDriverWait(browser, 30).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '.toctree-wrapper')))
    links = [a.get_attribute('href') for a in
             browser.find_elements(By.CSS_SELECTOR, '.toctree-wrapper a.reference.internal')]
    chapters = [link for link in links if '/notebooks/' in link and '#' not in link]
    if len(chapters) < len(NOTEBOOKS):
        _fail(browser, 'book-index', f'The index links {len(chapters)} chapters, not '
                                     f'{len(NOTEBOOKS)}: {chapters}')
    browser.save_screenshot(str(SHOTS / 'book-index.png'))
    browser.get(chapters[2])  # the PyTorch model: figures, code, outputs
    images = browser.execute_script(
        "return [...document.images].map(i => [i.complete && i.naturalWidth > 0, i.src]);")
    browser.save_screenshot(str(SHOTS / 'book-chapter.png'))
    if not images or not all(ok for ok, _ in images):
        _fail(browser, 'book-chapter', f'Figures missing or not loaded: {images}')
    _reads_without_scrolling(browser, 'book-chapter')
    following = browser.find_element(By.CSS_SELECTOR, 'link[rel="next"]').get_attribute('href')
    browser.get(following)
    if '404' in browser.title or not browser.find_elements(By.CSS_SELECTOR, 'h1'):
        _fail(browser, 'book-next', f'The link to the next chapter is broken: {following}')
    _reads_without_scrolling(browser, 'book-next')


def _reads_without_scrolling(browser, name):
    """No code or output block of the page is wider than the column (a scrollbar)."""
    wide = browser.execute_script(
        "return [...document.querySelectorAll('.bd-article pre')]"
        ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 80));")
    if wide:
        _fail(browser, name, f'{len(wide)} blocks scroll sideways: {wide}')
