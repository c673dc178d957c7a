// The import rules between the parts of faafo-tutor, checked by dependency-cruiser in CI
// (`npm run lint:imports`, run by .ci/run) and by test/unit/import-rules.test.ts. They keep the seams
// between the parts clean: each part can be changed, replaced or loaded on its own only as long as
// nothing reaches around it. Who may not import whom is here, each rule with its reason.
//
// Paths are relative to the directory the cruise starts from (the repository root in CI; the fixture
// tree under test/fixtures/import-rules/ in the test that shows each rule firing).
//
// Type-only imports (`import type`) count like any other import for every layer rule: a type shared
// across a seam couples the two sides as much as a function does (a change on one side breaks the
// other), and a rule lifted for types invites the value import that follows. The cycle rule says below
// how it treats them.
import { fileURLToPath } from 'node:url';

// Folders of ours that hold code. src/shared/ (helpers used across parts) and src/version.ts are the two
// things every part may import.
const OURS = '^(src|steps|tutor|notebooks|test|bench|bin|scripts)/';
const FREE_FOR_ALL = '^(src/shared/|src/version[.]ts$)';
// Code that talks to a learner about a cloud: the lesson's steps, the Ink tutor and the notebooks.
const LEARNER_FACING = '^(steps|tutor|notebooks)/';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'learner-code-reaches-clouds-through-src-cloud',
      comment:
        'Steps, the tutor and the notebooks must run unchanged against a real OpenStack, so they reach a ' +
        'cloud only through src/cloud (the same code for any cloud). Importing the local cloud, or pkgcloud ' +
        'directly, would tie them to one cloud; the "start the local cloud" fallback is passed in by the ' +
        'caller (src/lesson, the tutor, the notebooks).',
      severity: 'error',
      from: { path: LEARNER_FACING },
      to: { path: ['^src/localcloud/', 'node_modules/pkgcloud/'] },
    },
    {
      name: 'lab-reaches-clouds-through-src-cloud',
      comment:
        "The lab's instruments (src/lab) measure the lesson on any cloud and load from CommonJS in the " +
        'notebooks, so they read a cloud (server diagnostics, nodes, flavors) only through src/cloud. ' +
        'Importing the local cloud (ESM, import.meta) would break the notebooks and tie the figures to one ' +
        "cloud; importing pkgcloud directly would bypass the connection's error handling.",
      severity: 'error',
      from: { path: '^src/lab/' },
      to: { path: ['^src/localcloud/', 'node_modules/pkgcloud/'] },
    },
    {
      name: 'cloud-connection-knows-no-local-cloud',
      comment:
        'src/cloud is the same code against a real OpenStack and against the local one; the notebooks load ' +
        'it from CommonJS, which the local cloud (ESM, import.meta) would break. Whoever calls connect() ' +
        'passes the local-cloud fallback in.',
      severity: 'error',
      from: { path: '^src/cloud/' },
      to: { path: '^src/localcloud/' },
    },
    {
      name: 'classroom-starts-a-local-cloud-in-one-place',
      comment:
        "The teacher's board serves a room whatever cloud its students use (their own, a shared local " +
        "cloud, a department's OpenStack); it reaches a room's cloud only through the RoomCloud seam " +
        '(src/classroom/room-cloud.ts). The one file that may start a local cloud for a room is ' +
        "src/classroom/room/shared-local.ts; everything else (the board, the student's client that the " +
        'notebooks load from CommonJS, the admin client that must work on any OpenStack) would be tied to ' +
        'one cloud, and load all of it, by importing the local cloud.',
      severity: 'error',
      from: { path: '^src/classroom/', pathNot: '^src/classroom/room/shared-local[.]ts$' },
      to: { path: '^src/localcloud/' },
    },
    {
      name: 'local-cloud-starts-faafo-as-processes',
      comment:
        'The local cloud runs faafo on its nodes as processes started from userdata, as a real cloud ' +
        'would; importing faafo would let the two share memory and state that a real cloud never shares.',
      severity: 'error',
      from: { path: '^src/localcloud/' },
      to: { path: '^src/faafo/' },
    },
    {
      name: 'faafo-reaches-brokers-through-amqplib',
      comment:
        'faafo talks to its broker only over AMQP through amqplib, so the embedded broker and RabbitMQ are ' +
        'interchangeable by URL. Importing the embedded broker would make faafo depend on one of them.',
      severity: 'error',
      from: { path: '^src/faafo/' },
      to: { path: '^src/broker/' },
    },
    {
      name: 'faafo-knows-nothing-of-the-rest',
      comment:
        'faafo is the app a learner deploys onto a cloud; it knows no cloud it runs on and no lesson ' +
        'that deploys it, so it runs the same on a real OpenStack VM (contrib/install.sh) as on the local ' +
        'cloud. Its one broker seam has its own rule above.',
      severity: 'error',
      from: { path: '^src/faafo/' },
      to: { path: OURS, pathNot: ['^src/(faafo|broker)/', FREE_FOR_ALL] },
    },
    {
      name: 'broker-imports-nothing-of-the-app',
      comment:
        'src/broker is a general AMQP broker that knows nothing of faafo, clouds or the lesson; that keeps ' +
        'it testable against RabbitMQ with one behaviour suite and usable on its own.',
      severity: 'error',
      from: { path: '^src/broker/' },
      to: { path: OURS, pathNot: ['^src/broker/', FREE_FOR_ALL] },
    },
    {
      name: 'shared-imports-nothing-else-of-ours',
      comment:
        'src/shared holds small helpers every part may import; if it imported a part, every part would ' +
        'depend on that part through it, and the rules above would be bypassed.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: OURS, pathNot: FREE_FOR_ALL },
    },
    {
      name: 'lesson-data-and-tutor-engine-know-no-ui',
      comment:
        "The lesson's manifest (steps/) and the tutor's engine (tutor/engine/) are what the notebooks read " +
        'too, and tslab loads them as CommonJS: Ink and React (ESM-only) and the Ink app that uses them ' +
        '(tutor/app.tsx, app/, components/, hooks/) must stay out of them. The app imports the engine, never ' +
        'the reverse.',
      severity: 'error',
      from: { path: '^(steps|tutor/engine)/' },
      to: {
        path: ['^tutor/(app|components|hooks)', 'node_modules/(ink|ink-spinner|ink-testing-library|react)/'],
      },
    },
    {
      name: 'product-code-imports-no-tests-or-benches',
      comment:
        'test/ and bench/ are not shipped (package.json "files"); product code that imports them breaks in ' +
        'the published package and mixes test scaffolding into behaviour.',
      severity: 'error',
      from: { path: '^(src|steps|tutor|notebooks|bin)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-import-cycles',
      comment:
        'A cycle makes its modules one unit: none can be understood, tested or loaded alone, and under ESM ' +
        'the order of evaluation decides whether a value is still undefined when it is used. A cycle is ' +
        'forbidden as soon as one of its imports is a value import, even when the way back is type-only (a ' +
        'connection that creates channels typed against that connection makes the two one unit; a small ' +
        'host interface separates them). A cycle made only of type-only imports is allowed: it is a pair of ' +
        'mutually recursive types (an exchange binds queues, a queue lists the bindings that point at it), ' +
        'erased when compiled, which no file split separates without weakening the types.',
      severity: 'error',
      from: {},
      // via: the cycle has at least one import that is not type-only.
      to: { circular: true, via: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable-imports',
      comment:
        'An import that resolves to nothing fails at run time; it also hides an edge from every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Packages are leaves: only our own code is followed.
    doNotFollow: { path: 'node_modules' },
    // The fixture tree holds one deliberate violation per rule; it is cruised on its own by the test.
    // The build's output (dist/) is our code again, compiled; dot folders (.git, .data) and coverage
    // reports hold none. (`^[.][^./]` leaves alone the names of unresolvable relative imports, which start
    // with ./ or ../)
    exclude: { path: ['^test/fixtures/import-rules/', '^dist/', '^[.][^./]', '^coverage/'] },
    // Parse TypeScript itself (not its JavaScript output), so type-only imports are seen and count.
    tsPreCompilationDeps: true,
    // Our imports name their .ts files (allowImportingTsExtensions); resolution follows tsconfig.json.
    tsConfig: { fileName: fileURLToPath(new URL('tsconfig.json', import.meta.url)) },
    // Packages resolve as TypeScript and Node resolve them (exports conditions, then main or types), so a
    // package that ships only types is not taken for an unresolvable import.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
