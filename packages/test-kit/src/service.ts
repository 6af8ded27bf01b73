// The services under test: built ones as processes, or an app listening in this process. Apart from the
// kit's main entry so that a test of the engine does not load Fastify.
export * from './service-process.js';
export * from './in-process-app.js';
