/** Replaces every function of a logs catalogue with a spy that prints nothing; returns the catalogue for assertions. */
export function silenceLogs<T extends object>(catalogue: T): T {
  for (const name of Object.keys(catalogue) as Array<keyof T>) {
    if (typeof catalogue[name] === 'function') jest.spyOn(catalogue, name as never).mockImplementation((() => undefined) as never);
  }
  return catalogue;
}
