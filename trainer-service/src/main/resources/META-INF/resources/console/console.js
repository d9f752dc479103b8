// retrain-stream console: plain JavaScript, no build. The trainer serves this page and its API (same origin); the
// classifier's /classify and /model are called cross-origin at the URL GET ../console/config names.
'use strict';

const API = '..';                    // the trainer, this page's origin
const TOKEN_KEY = 'retrain-admin-token';
const POLL_MS = 2000;

const $ = (selector) => document.querySelector(selector);
const state = { classifierUrl: null, model: null, runId: null, runLines: 0, runLog: [], runPoll: null, tab: null };

// ---- small helpers -------------------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const percent = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(1) + '%');
const seconds = (s) => (s === null || s === undefined ? '–' : s < 90 ? s.toFixed(1) + ' s' : (s / 60).toFixed(1) + ' min');
const when = (ms) => (ms ? new Date(ms).toLocaleString() : '–');

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || body.error || response.status + ' ' + response.statusText);
  return body;
}

/** A trainer call that needs the admin token when one is set: a 401 asks for it and tries once more. */
async function adminFetch(url, options = {}, retried = false) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = Object.assign({}, options.headers, token ? { Authorization: 'Bearer ' + token } : {});
  const response = await fetch(url, Object.assign({}, options, { headers }));
  if (response.status === 401 && !retried) {
    const entered = await askToken(token ? 'That admin token was refused: enter the right one.' : null);
    if (entered) return adminFetch(url, options, true);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || response.status + ' ' + response.statusText);
  return body;
}

function askToken(reason) {
  const dialog = $('#token-dialog');
  if (reason) $('#token-reason').textContent = reason;
  $('#token-input').value = sessionStorage.getItem(TOKEN_KEY) || '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const value = $('#token-input').value.trim();
      if (dialog.returnValue === 'save' && value) {
        sessionStorage.setItem(TOKEN_KEY, value);
        resolve(true);
      } else {
        resolve(false);
      }
    }, { once: true });
    dialog.showModal();
  });
}

function dropZone(zone, input, onFiles) {
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onFiles([...event.dataTransfer.files].filter((f) => f.type.startsWith('image/') || f.type === ''));
  });
  input.addEventListener('change', () => onFiles([...input.files]));
}

// ---- tabs ----------------------------------------------------------------------------------------------------

function showTab(name) {
  if (!['classify', 'teach', 'runs', 'models'].includes(name)) name = 'classify';
  state.tab = name;
  document.querySelectorAll('.panel').forEach((panel) => { panel.hidden = panel.id !== 'panel-' + name; });
  document.querySelectorAll('#tabs a').forEach((a) => a.classList.toggle('active', a.dataset.tab === name));
  if (name === 'runs') refreshRuns();
  if (name === 'models') refreshModels();
  if (name === 'teach') refreshDataset();
}

// ---- the served model, polled ----------------------------------------------------------------------------------

async function refreshServed() {
  try {
    const model = await getJson(state.classifierUrl + '/model');
    state.model = model;
    $('#served-version').textContent = 'version ' + model.version + (model.pinned ? ' (pinned)' : '');
    $('#served-classes').textContent = '· ' + model.labels.length + ' classes: ' + model.labels.join(', ');
    const fresh = model.freshness && model.freshness.servingModel;
    $('#served-freshness').textContent = fresh && fresh.images
      ? '· its ' + fresh.images + ' new photos served ' + seconds(fresh.p50Seconds) + ' after publishing (median)'
      : '';
  } catch (error) {
    state.model = null;
    $('#served-version').textContent = 'none yet';
    $('#served-classes').textContent = '(' + error.message + ')';
    $('#served-freshness').textContent = '';
  }
  if (state.tab === 'teach') refreshDataset();
}

// ---- Classify --------------------------------------------------------------------------------------------------

async function classify(blob) {
  const preview = $('#classify-preview');
  preview.src = URL.createObjectURL(blob);
  preview.hidden = false;
  $('#classify-status').textContent = 'Classifying…';
  $('#classify-result').replaceChildren();
  $('#classify-version').textContent = '';
  try {
    const response = await fetch(state.classifierUrl + '/classify?top_k=5', {
      method: 'POST',
      headers: { 'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || body.message || response.status + ' ' + response.statusText);
    $('#classify-status').textContent = 'Top ' + body.predictions.length + ':';
    $('#classify-result').replaceChildren(...body.predictions.map((p) => el('li', { 'data-label': p.label },
      el('span', { class: 'label', title: p.label }, p.label),
      el('span', { class: 'track' }, el('span', { class: 'fill', style: 'width:' + (100 * p.score).toFixed(1) + '%' })),
      el('span', { class: 'score' }, p.score.toFixed(3)))));
    $('#classify-version').textContent = 'Answered by model version ' + body.modelVersion + ' (' + body.architecture + ')';
    $('#classify-version').dataset.version = body.modelVersion;
  } catch (error) {
    $('#classify-status').replaceChildren(el('span', { class: 'error' }, 'Could not classify: ' + error.message));
  }
}

function setUpWebcam() {
  const start = $('#webcam-start');
  const snap = $('#webcam-snap');
  const video = $('#webcam');
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || !window.isSecureContext) return;
  start.hidden = false;
  start.addEventListener('click', async () => {
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.hidden = false;
      snap.hidden = false;
      start.hidden = true;
    } catch (error) {
      $('#classify-status').replaceChildren(el('span', { class: 'error' }, 'No webcam: ' + error.message));
    }
  });
  snap.addEventListener('click', () => {
    const canvas = el('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    canvas.toBlob((blob) => classify(blob), 'image/jpeg', 0.92);
  });
}

// ---- Teach -----------------------------------------------------------------------------------------------------

let teachFiles = [];

async function refreshDataset() {
  try {
    const dataset = await getJson(API + '/dataset');
    const served = new Set(state.model ? state.model.labels : []);
    $('#teach-classes').replaceChildren(...Object.keys(dataset.classes).map((label) => el('option', { value: label })));
    $('#dataset-table tbody').replaceChildren(...Object.entries(dataset.classes).map(([label, sets]) =>
      el('tr', { 'data-class': label }, el('td', {}, label), el('td', {}, sets.training), el('td', {}, sets.validation),
        el('td', {}, sets.testing), el('td', {}, served.has(label) ? '✓' : '…'))));
  } catch (error) {
    $('#dataset-table tbody').replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'error' }, error.message)));
  }
}

async function addPhotos(event) {
  event.preventDefault();
  const label = $('#teach-label').value.trim();
  const status = $('#teach-status');
  if (!teachFiles.length) {
    status.replaceChildren(el('span', { class: 'error' }, 'Choose or drop some photos first.'));
    return;
  }
  const form = new FormData();
  teachFiles.forEach((file) => form.append('image', file, file.name));
  $('#teach-submit').disabled = true;
  status.textContent = 'Sending ' + teachFiles.length + ' photos…';
  try {
    const body = await adminFetch(API + '/images?label=' + encodeURIComponent(label), { method: 'POST', body: form });
    status.textContent = 'Published ' + body.published + ' photos of class "' + body.className
      + '". Continuous training picks them up; watch the served model above.';
    status.dataset.published = body.published;
    teachFiles = [];
    $('#teach-files').value = '';
    $('#teach-chosen').replaceChildren('Drop photos here, or ', el('u', {}, 'choose files'));
    refreshDataset();
  } catch (error) {
    status.replaceChildren(el('span', { class: 'error' }, 'Not added: ' + error.message));
  } finally {
    $('#teach-submit').disabled = false;
  }
}

// ---- Runs ------------------------------------------------------------------------------------------------------

let shownRuns = '';

async function refreshRuns() {
  try {
    const runs = await getJson(API + '/runs');
    runs.sort((a, b) => b.runId - a.runId);
    const shown = JSON.stringify(runs.map((r) => [r.runId, r.status, r.testAccuracy, r.modelVersion, state.runId]));
    if (shown === shownRuns) return;     // unchanged: keep the list (and what the user points at) as it is
    shownRuns = shown;
    $('#runs-list').replaceChildren(...runs.map((run) => el('li', {},
      el('button', { type: 'button', 'data-run': run.runId, class: run.runId === state.runId ? 'active' : '',
        onclick: () => openRun(run.runId) },
        'Run ' + run.runId + ' ', el('span', { class: 'status ' + run.status }, run.status),
        el('br'), el('small', { class: 'muted' }, (run.trigger || '').toLowerCase() + ' · '
          + (run.testAccuracy !== null && run.testAccuracy !== undefined ? percent(run.testAccuracy) + ' test' : 'no test yet')
          + (run.modelVersion ? ' · v' + run.modelVersion : ''))))));
    if (!runs.length) $('#runs-list').replaceChildren(el('li', { class: 'muted' }, 'No run yet.'));
  } catch (error) {
    $('#runs-list').replaceChildren(el('li', { class: 'error' }, error.message));
  }
}

function openRun(runId) {
  clearTimeout(state.runPoll);
  state.runId = runId;
  state.runLines = 0;
  state.runLog = [];
  document.querySelectorAll('#runs-list button').forEach((b) => b.classList.toggle('active', Number(b.dataset.run) === runId));
  pollRun();
}

async function pollRun() {
  const runId = state.runId;
  let run;
  try {
    run = await getJson(API + '/runs/' + runId + '?from=' + state.runLines);
  } catch (error) {
    $('#run-detail').replaceChildren(el('p', { class: 'error' }, error.message));
    return;
  }
  if (runId !== state.runId) return;
  state.runLog.push(...run.log);
  state.runLines = run.logLines;
  renderRun(run);
  if (run.status === 'RUNNING' && state.tab === 'runs') state.runPoll = setTimeout(pollRun, POLL_MS);
  else if (run.status === 'RUNNING') state.runPoll = setTimeout(pollRun, 5 * POLL_MS);
}

function renderRun(run) {
  const report = run.report;
  const parts = [
    el('h3', {}, 'Run ' + run.runId + ' ', el('span', { class: 'status ' + run.status }, run.status)),
    el('p', { class: 'muted' }, [run.message,
      run.testAccuracy !== null && run.testAccuracy !== undefined
        ? 'test accuracy ' + percent(run.testAccuracy) + ' (N=' + run.testCount + ')' : null]
      .filter(Boolean).join(' · ')),
  ];
  const log = el('pre', { class: 'log', id: 'run-log' }, state.runLog.slice(-200).join('\n'));
  if (report) {
    parts.push(el('h3', {}, 'Curves'), curve(report.curve));
    parts.push(el('h3', {}, 'Confusion matrix (rows: true class, columns: predicted)'), confusion(report));
    parts.push(el('h3', {}, 'Misclassified test photos (' + report.misclassified.length + ')'), thumbnails(report.misclassified));
  } else {
    parts.push(el('p', { class: 'muted' }, run.status === 'RUNNING' ? 'Training… the curves and the confusion matrix appear when it ends.' : 'No report: the run did not finish training.'));
  }
  parts.push(el('h3', {}, 'Log'), log);
  $('#run-detail').replaceChildren(...parts);
  log.scrollTop = log.scrollHeight;
}

const SERIES = [
  { key: 'trainAccuracy', name: 'train accuracy', color: '#1f6feb', axis: 'accuracy' },
  { key: 'validationAccuracy', name: 'validation accuracy', color: '#2e7d32', axis: 'accuracy' },
  { key: 'crossEntropy', name: 'cross entropy', color: '#c2410c', axis: 'loss' },
];

/** The evaluation curve on a canvas: accuracies on the left axis (0-1), cross entropy scaled to its maximum. */
function curve(points) {
  const wrapper = el('div', { id: 'run-curve' });
  const canvas = el('canvas', { width: 800, height: 220 });
  points = points || [];
  const maxLoss = Math.max(1e-6, ...points.map((p) => p.crossEntropy).filter(Number.isFinite));
  const legend = el('div', { class: 'legend' }, SERIES.map((s) => el('span', {}, el('i', { style: 'background:' + s.color }),
    s.axis === 'loss' ? s.name + ' (÷ its maximum, ' + maxLoss.toFixed(3) + ')' : s.name)));
  wrapper.append(canvas, legend);
  if (points.length < 1) return wrapper;
  requestAnimationFrame(() => {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 800;
    const height = canvas.clientHeight || 220;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    const pad = { left: 34, right: 8, top: 8, bottom: 18 };
    const maxStep = Math.max(1, points[points.length - 1].step);
    const x = (step) => pad.left + (width - pad.left - pad.right) * step / maxStep;
    const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v);
    g.strokeStyle = '#d8dde6';
    g.fillStyle = '#5b6475';
    g.font = '11px system-ui, sans-serif';
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      g.beginPath(); g.moveTo(pad.left, y(v)); g.lineTo(width - pad.right, y(v)); g.stroke();
      g.fillText(v.toFixed(2), 2, y(v) + 4);
    }
    g.fillText('step ' + maxStep, width - pad.right - 60, height - 4);
    for (const series of SERIES) {
      g.strokeStyle = series.color;
      g.lineWidth = 1.6;
      g.beginPath();
      points.forEach((p, i) => {
        const value = series.axis === 'loss' ? p[series.key] / maxLoss : p[series.key];
        if (!Number.isFinite(value)) return;
        if (i === 0) g.moveTo(x(p.step), y(value)); else g.lineTo(x(p.step), y(value));
      });
      g.stroke();
    }
  });
  return wrapper;
}

function confusion(report) {
  const labels = report.labels;
  const head = el('tr', {}, el('th', {}, 'true \\ predicted'), labels.map((l) => el('th', {}, l)), el('th', {}, 'recall'));
  const rows = report.confusion.map((row, i) => el('tr', {}, el('th', {}, labels[i]),
    row.map((count, j) => el('td', { class: i === j ? 'diagonal' : count > 0 ? 'off' : '' }, count)),
    el('td', {}, percent(report.classes[i] && report.classes[i].recall))));
  return el('div', { class: 'scroll' }, el('table', { class: 'grid confusion', id: 'confusion' }, el('thead', {}, head), el('tbody', {}, rows)));
}

function thumbnails(misclassified) {
  if (!misclassified.length) return el('p', { class: 'muted' }, 'None.');
  return el('div', { class: 'thumbs' }, misclassified.slice(0, 60).map((m) => el('figure', {},
    el('img', { src: API + '/dataset/image?id=' + encodeURIComponent(m.imageId), alt: m.imageId, loading: 'lazy', title: m.imageId }),
    el('figcaption', {}, m.label + ' → ', el('strong', {}, m.predicted), ' ' + m.score.toFixed(2)))));
}

// ---- Models ----------------------------------------------------------------------------------------------------

let shownModels = '';

async function refreshModels() {
  let catalog;
  try {
    catalog = await getJson(API + '/models');
  } catch (error) {
    $('#models-status').replaceChildren(el('span', { class: 'error' }, error.message));
    return;
  }
  const shown = JSON.stringify([catalog.serving, catalog.pinned, catalog.versions.map((v) => v.version)]);
  if (shown === shownModels) return;
  shownModels = shown;
  $('#models-status').textContent = catalog.versions.length
    ? 'Classifiers serve version ' + catalog.serving + (catalog.pinned ? ', pinned' : ', the newest') + '.'
    : 'No model has been published yet.';
  $('#unpin').hidden = !catalog.pinned;
  $('#models-table tbody').replaceChildren(...catalog.versions.map((v) => {
    const m = v.metrics || {};
    const serving = v.version === catalog.serving;
    return el('tr', { class: serving ? 'serving' : '', 'data-version': v.version },
      el('td', {}, v.version + (serving ? ' (served)' : '')),
      el('td', {}, v.labels.join(', ')),
      el('td', {}, percent(m.testAccuracy) + (m.testCount ? ' (N=' + m.testCount + ')' : '')),
      el('td', {}, m.trainingImages ?? '–'),
      el('td', {}, m.runId ?? '–'),
      el('td', {}, when(v.publishedAt)),
      el('td', {}, serving && catalog.pinned === v.version ? 'pinned'
        : el('button', { type: 'button', class: 'secondary', onclick: () => pin(v.version) },
          v.version < catalog.serving ? 'Roll back to it' : 'Pin')));
  }));
}

async function pin(version) {
  try {
    await adminFetch(API + '/models/' + version + '/pin', { method: 'POST' });
  } catch (error) {
    $('#models-status').replaceChildren(el('span', { class: 'error' }, 'Not pinned: ' + error.message));
    return;
  }
  refreshModels();
  refreshServed();
}

async function unpin() {
  try {
    await adminFetch(API + '/models/pin', { method: 'DELETE' });
  } catch (error) {
    $('#models-status').replaceChildren(el('span', { class: 'error' }, 'Not unpinned: ' + error.message));
    return;
  }
  refreshModels();
  refreshServed();
}

// ---- start ---------------------------------------------------------------------------------------------------

async function start() {
  const settings = await getJson(API + '/console/config').catch(() => ({ classifierUrl: 'http://localhost:8080' }));
  state.classifierUrl = settings.classifierUrl;
  dropZone($('#classify-drop'), $('#classify-file'), (files) => files.length && classify(files[0]));
  dropZone($('#teach-drop'), $('#teach-files'), (files) => {
    teachFiles = files;
    $('#teach-chosen').textContent = files.length + ' photo' + (files.length === 1 ? '' : 's') + ' chosen';
  });
  setUpWebcam();
  $('#teach-form').addEventListener('submit', addPhotos);
  $('#unpin').addEventListener('click', unpin);
  $('#token-button').addEventListener('click', () => askToken(null));
  $('#token-cancel').addEventListener('click', () => $('#token-dialog').close('cancel'));
  window.addEventListener('hashchange', () => showTab(location.hash.slice(1)));
  showTab(location.hash.slice(1));
  refreshServed();
  setInterval(refreshServed, POLL_MS);
  setInterval(() => { if (state.tab === 'runs') refreshRuns(); }, 2 * POLL_MS);
  setInterval(() => { if (state.tab === 'models') refreshModels(); }, 2 * POLL_MS);
}

start();
