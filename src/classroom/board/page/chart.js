// The class chart, drawn as inline SVG from the class view: for each prediction, every student's guess
// beside what they measured; for each figure of the before/after table, every student's value before
// and after scaling out. The class's own data on what scale-out buys. Text via textContent only.
//
// Browser code, run in Chromium by test/e2e/classroom-board-browser.test.ts; the project's TypeScript
// has no DOM library, so tsc leaves it alone.
// @ts-nocheck

const SVG = 'http://www.w3.org/2000/svg';
const ROW = 16;
const LABEL_WIDTH = 130;
const PLOT_WIDTH = 420;
const VALUE_WIDTH = 150;

function svgEl(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function short(value) {
  if (value === null || value === undefined) return '–';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** One panel: a title (and a legend line under it), then a row per student with `drawRow(svg, y, x)` drawing its marks. */
function panel(title, rows, drawRow, legend) {
  const top = legend ? 44 : 28;
  const height = top + rows.length * ROW + 8;
  const svg = svgEl('svg', {
    width: LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
    height,
    viewBox: `0 0 ${LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH} ${height}`,
    role: 'img',
  });
  svg.append(svgEl('text', { x: 4, y: 16, class: 'title' }, title));
  if (legend) svg.append(svgEl('text', { x: 4, y: 32 }, legend));
  svg.append(svgEl('line', { class: 'axis', x1: LABEL_WIDTH, x2: LABEL_WIDTH, y1: top - 4, y2: height - 4 }));
  rows.forEach((entry, i) => {
    const y = top + i * ROW;
    const name = entry.student.name.length > 18 ? `${entry.student.name.slice(0, 17)}…` : entry.student.name;
    svg.append(svgEl('text', { x: 4, y: y + 11 }, name));
    drawRow(svg, entry, y);
  });
  return svg;
}

/** Scales values from 0 to the largest one onto the plot's width. */
function scaleOf(values) {
  const max = Math.max(0, ...values.filter((v) => typeof v === 'number' && Number.isFinite(v)));
  return (v) => LABEL_WIDTH + (max > 0 ? (Math.max(0, v) / max) * (PLOT_WIDTH - 10) : 0);
}

function predictionPanels(students, questions) {
  const ids = [...new Set(students.flatMap((s) => s.predictions.map((p) => p.id)))];
  return ids.map((id) => {
    const rows = students.flatMap((student) =>
      student.predictions.filter((p) => p.id === id).map((prediction) => ({ student, prediction })),
    );
    const x = scaleOf(rows.flatMap(({ prediction }) => [prediction.predicted, prediction.observed]));
    const unit = rows[0]?.prediction.unit ?? '';
    return panel(
      questions?.[id] ?? `Prediction ${id}`,
      rows,
      (svg, { student, prediction }, y) => {
        const cy = y + 7;
        if (prediction.predicted !== null) {
          svg.append(
            svgEl('line', {
              class: 'link',
              x1: x(prediction.predicted),
              x2: x(prediction.observed),
              y1: cy,
              y2: cy,
            }),
          );
          svg.append(
            svgEl('circle', {
              class: 'mark predicted',
              'data-student': student.id,
              cx: x(prediction.predicted),
              cy,
              r: 4.5,
            }),
          );
        }
        svg.append(
          svgEl('circle', {
            class: 'mark observed',
            'data-student': student.id,
            cx: x(prediction.observed),
            cy,
            r: 4.5,
          }),
        );
        svg.append(
          svgEl(
            'text',
            { x: LABEL_WIDTH + PLOT_WIDTH + 4, y: y + 11 },
            `${short(prediction.predicted)} → ${short(prediction.observed)}`,
          ),
        );
      },
      `guessed ○ and measured ●${unit ? ` (${unit.trim()})` : ''}`,
    );
  });
}

function figurePanels(students) {
  const names = [...new Set(students.flatMap((s) => s.figures.map((f) => f.figure)))];
  return names.map((name) => {
    const rows = students.flatMap((student) =>
      student.figures.filter((f) => f.figure === name).map((figure) => ({ student, figure })),
    );
    const x = scaleOf(rows.flatMap(({ figure }) => [figure.before, figure.after]));
    const better = rows[0]?.figure.higherIsBetter ? 'higher is better' : 'lower is better';
    return panel(
      `${name}: before (grey) and after (blue) scaling out — ${better}`,
      rows,
      (svg, { student, figure }, y) => {
        for (const [phase, value, offset] of [
          ['before', figure.before, 1],
          ['after', figure.after, 7],
        ]) {
          if (value === null) continue;
          svg.append(
            svgEl('rect', {
              class: `mark ${phase}`,
              'data-student': student.id,
              x: LABEL_WIDTH,
              y: y + offset,
              width: Math.max(1, x(value) - LABEL_WIDTH),
              height: 6,
            }),
          );
        }
        const ratio =
          figure.before && figure.after !== null ? ` (×${short(figure.after / figure.before)})` : '';
        svg.append(
          svgEl(
            'text',
            { x: LABEL_WIDTH + PLOT_WIDTH + 4, y: y + 11 },
            `${short(figure.before)} → ${short(figure.after)}${ratio}`,
          ),
        );
      },
    );
  });
}

window.drawClassChart = (container, students, questions) => {
  const panels = [...figurePanels(students), ...predictionPanels(students, questions)];
  if (panels.length === 0) {
    const note = document.createElement('p');
    note.textContent = 'The chart fills in as students measure (chapters 3, 4 and 6).';
    container.replaceChildren(note);
    return;
  }
  container.replaceChildren(...panels);
};
