/** What the pass compares a user's SQL streak with: the stored streaks/{uid} documents (absent ones left out). */
export interface StreakProjections {
  read(userIds: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
}
