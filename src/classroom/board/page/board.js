// The teacher's board in the browser: reads the teacher's token from the link's fragment, loads the
// class (Bearer header), then follows it as server-sent events (?token=, since EventSource sends no
// header) and redraws the table and the chart on each view. Names and texts come from students, so
// everything is written with textContent: nothing a student sends is ever parsed as HTML.
//
// Browser code, run in Chromium by test/e2e/classroom-board-browser.test.ts; the project's TypeScript
// has no DOM library, so tsc leaves it alone.
// @ts-nocheck

const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
const $ = (id) => document.getElementById(id);
/** The board's clock minus this browser's, so time on a chapter is right on another machine. */
let clockOffset = 0;
let lastView = null;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m}:${s}`;
}

const MARKS = { passed: '✓', failed: '✗', pending: '…' };

function nameCell(student) {
  const td = el('td', 'name');
  td.append(el('span', 'student-name', student.name));
  if (student.stuck) {
    const why = student.stuck === 'slow' ? 'a long time on this chapter' : 'a check failed';
    const badge = el('span', 'badge stuck', 'stuck');
    badge.title = why;
    td.append(badge);
  }
  if (student.finished) {
    // completed → "finished" (green); quit and failed → grey.
    const words = { completed: 'finished', quit: 'quit', failed: 'stopped' };
    const style = student.finished === 'completed' ? 'finished' : student.finished;
    td.append(el('span', `badge ${style}`, words[student.finished]));
  }
  return td;
}

function chapterCell(student, chapters) {
  const td = el('td', 'chapter');
  if (student.chapter === 0) {
    td.textContent = 'not started';
    return td;
  }
  td.append(el('span', 'chapter-number', `${student.chapter}/${chapters}`));
  td.append(el('span', 'chapter-title', student.chapterTitle));
  return td;
}

function checksCell(student) {
  const td = el('td');
  const list = el('ul', 'checks');
  for (const check of student.chapterChecks) {
    const item = el('li', check.state);
    item.dataset.check = check.id;
    item.append(el('span', 'mark', MARKS[check.state]));
    item.append(document.createTextNode(check.label));
    item.title = check.saw ? `${check.label}: ${check.saw}` : check.label;
    list.append(item);
  }
  td.append(list);
  return td;
}

function stuckCell(student) {
  const td = el('td', 'last-failing');
  if (!student.stuckOn) {
    td.textContent = '—';
    return td;
  }
  td.append(el('span', 'failed-label', `✗ ${student.stuckOn.label}`));
  if (student.stuckOn.saw) td.append(el('span', 'hint', `saw: ${student.stuckOn.saw}`));
  td.append(el('span', 'hint', `hint: ${student.stuckOn.hint}`));
  return td;
}

function row(student, view) {
  const tr = el('tr');
  tr.dataset.student = student.id;
  if (student.stuck) tr.classList.add('stuck');
  if (student.finished) tr.classList.add('finished');
  // A finished student's clock has stopped: no time counts on.
  const time = el('td', 'time', student.finished ? '—' : undefined);
  if (!student.finished) time.dataset.since = String(student.chapterSince);
  tr.append(
    nameCell(student),
    chapterCell(student, view.chapters),
    checksCell(student),
    time,
    stuckCell(student),
  );
  return tr;
}

function tick() {
  const now = Date.now() + clockOffset;
  for (const cell of document.querySelectorAll('td.time[data-since]')) {
    cell.textContent = duration(now - Number(cell.dataset.since));
  }
}

function render(view) {
  lastView = view;
  clockOffset = view.now - Date.now();
  document.title = `${view.room} — faafo-tutor board`;
  $('room').textContent = view.room;
  $('join-code').textContent = view.joinCode;
  $('command').textContent =
    `npx faafo-tutor --join ${window.location.origin} ${view.joinCode} --name "Your Name"`;
  $('headroom').textContent =
    view.headroom === null ? '' : `room on the shared cloud for ${view.headroom} more`;
  const stuck = view.students.filter((s) => s.stuck).length;
  $('count').textContent = `${view.students.length} joined${stuck > 0 ? `, ${stuck} stuck` : ''}`;
  $('empty').hidden = view.students.length > 0;
  const body = $('students').tBodies[0];
  body.replaceChildren(...view.students.map((s) => row(s, view)));
  tick();
  window.drawClassChart($('chart'), view.students, view.questions);
}

function say(text) {
  $('status').textContent = text;
}

async function load() {
  const response = await fetch('/api/class', { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `The board answered ${response.status}.`);
  render(body);
}

function follow() {
  const stream = new EventSource(`/api/class/stream?token=${encodeURIComponent(token)}`);
  stream.onopen = () => say('');
  stream.onmessage = (message) => render(JSON.parse(message.data));
  stream.onerror = () => {
    // EventSource retries by itself while the board is away; it gives up on a refusal (401).
    if (stream.readyState === EventSource.CLOSED) {
      load().then(follow, (error) => say(error.message));
    } else {
      say('Lost the board; trying again… (is `faafo-tutor classroom serve` still running?)');
    }
  };
}

if (!token) {
  $('needs-token').hidden = false;
  $('student-command').hidden = true;
} else {
  $('class').hidden = false;
  load().then(follow, (error) => say(error.message));
  setInterval(tick, 1000);
}
// For the console: the last view the board sent.
window.boardView = () => lastView;
