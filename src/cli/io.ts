/** The CLI's view of the process: where to print. Tests pass their own to capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** standard input (the debugger's commands); process.stdin when absent */
  readonly input?: NodeJS.ReadableStream;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};
