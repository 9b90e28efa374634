// The streams each framework's matrix drives, as tests hold them: read by resume() or pipe(), silent from the
// start or after a line of data. CommonJS, so that Jest, Vitest and node:test load the same file.
const { PassThrough, Writable } = require('node:stream');
const { HeartbeatReadable, withHeartbeat } = require('heartbeat-readable');

const FIVE_MINUTES = 5 * 60_000;
const options = { idleLimitMs: 60_000 };

function sink() {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function piped(stream) {
  stream.pipe(sink());
  return stream;
}

function afterALine(stream, write) {
  write('step 1\n');
  return stream;
}

/** [name, make]: make() returns a stream that a reader has just started reading. */
const subjects = [
  ['HeartbeatReadable, resume()', () => new HeartbeatReadable(options).resume()],
  ['HeartbeatReadable, pipe()', () => piped(new HeartbeatReadable(options))],
  ['HeartbeatReadable, a line, then silence', () => {
    const stream = new HeartbeatReadable(options).resume();
    return afterALine(stream, (line) => stream.push(line));
  }],
  ['withHeartbeat(source), resume()', () => withHeartbeat(new PassThrough(), options).resume()],
  ['withHeartbeat(source), pipe()', () => piped(withHeartbeat(new PassThrough(), options))],
  ['withHeartbeat(source), a line, then silence', () => {
    const source = new PassThrough();
    return afterALine(withHeartbeat(source, options).resume(), (line) => source.write(line));
  }],
];

module.exports = { FIVE_MINUTES, subjects };
