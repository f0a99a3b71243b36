// Starts the fauxqs SQS emulator on 127.0.0.1 (its own CLI listens on every
// interface). Usage: node fauxqs.mjs <path to fauxqs/dist/app.js> <port>
// Prints "fauxqs listening on http://127.0.0.1:PORT" once it accepts requests.
import { pathToFileURL } from "node:url";

const [appPath, portArg] = process.argv.slice(2);
const { buildApp } = await import(pathToFileURL(appPath).href);
const app = buildApp({ logger: false });
const address = await app.listen({ port: Number(portArg ?? 0), host: "127.0.0.1" });
console.log(`fauxqs listening on ${address}`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => app.close().finally(() => process.exit(0)));
}
