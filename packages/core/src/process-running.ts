/**
 * Whether a process with this id runs on this machine (`kill(pid, 0)`: no signal is sent). Used to
 * tell a lock or a temporary file of a live writer from one a killed process left behind.
 */
export function isProcessRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
