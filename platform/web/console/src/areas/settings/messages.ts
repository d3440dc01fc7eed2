/** The settings area's strings: English (the fallback) and 简体中文, key for key. */
export const en = {} as const;

export const zhCN: Record<keyof typeof en, string> = {};
