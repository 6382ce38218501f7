export interface BareActivities {
  noop(input: string): Promise<string>;
}

export const bareActivities: BareActivities = {
  async noop(input) {
    return input;
  },
};
