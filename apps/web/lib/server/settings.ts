// A user's own settings: report preferences (paper size, locale) for now.
import "server-only";
import type { RenderOptions } from "@backline/reports";
import type { Actor } from "@backline/report-service";
import { DEFAULT_RENDER_OPTIONS } from "@backline/reports";
import type { SettingsPatch } from "@/lib/api/schemas";
import { db } from "./db";

export type Settings = RenderOptions;

export async function readSettings(actor: Actor): Promise<Settings> {
  const user = await db().user.findUnique({ where: { id: actor.userId }, select: { paperSize: true, locale: true } });
  return {
    paperSize: (user?.paperSize as Settings["paperSize"] | null) ?? DEFAULT_RENDER_OPTIONS.paperSize,
    locale: user?.locale ?? DEFAULT_RENDER_OPTIONS.locale,
  };
}

export async function updateSettings(actor: Actor, patch: SettingsPatch): Promise<Settings> {
  const current = await readSettings(actor);
  const next = { ...current, ...patch };
  await db().user.update({ where: { id: actor.userId }, data: next });
  return next;
}
