/**
 * Resolves once the event loop has run other work (timers, signal handlers, a browser's rendering
 * and input): `setImmediate` in Node, a message to itself in a browser, which, unlike
 * `setTimeout(0)`, is not clamped to 4 ms.
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => void }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.addEventListener('message', () => {
      channel.port1.close();
      resolve();
    });
    channel.port1.start();
    channel.port2.postMessage(null);
  });
}
