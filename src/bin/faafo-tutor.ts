// `faafo-tutor`: the lesson's entry point. The interactive walkthrough (tutor/), the local cloud
// and the embedded broker arrive in their own issues; until then this says plainly what exists.
const lines = [
  'faafo-tutor 0.1.0 — learn how cloud applications scale out.',
  '',
  'The interactive walkthrough is not built yet. What works today is the Fractals app itself:',
  '  npx faafo api       the REST API and web gallery (http://127.0.0.1:8080)',
  '  npx faafo worker    a worker that renders fractals from the task queue (needs RabbitMQ)',
  '  npx faafo create    ask for fractals; faafo list / show / get / delete to look at them',
  '  npx faafo render    render one fractal straight to a PNG file, no services needed',
  '',
  'See README.md for details.',
];
process.stdout.write(`${lines.join('\n')}\n`);
