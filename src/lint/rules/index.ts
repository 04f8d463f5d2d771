// Every lint rule, in the order they are documented. Ids are stable: configs and inline
// ignores refer to them.
import type { Rule } from "../types.ts";
import { bootConfigWrite } from "./boot-config-write.ts";
import { clockChangeRule } from "./clock-change.ts";
import { composeUnsupportedField } from "./compose-unsupported-field.ts";
import { containerConnectivity } from "./container-connectivity.ts";
import { containerFsWrite } from "./container-fs-write.ts";
import { coreDumps } from "./core-dumps.ts";
import { deviceReboot } from "./device-reboot.ts";
import { flashWriteLoop } from "./flash-write-loop.ts";
import { hostNetworkFirewall } from "./host-network-firewall.ts";
import { hostOsWrite } from "./host-os-write.ts";
import { missingMemLimit } from "./missing-mem-limit.ts";
import { pinBaseImage } from "./pin-base-image.ts";
import { pinServiceImage } from "./pin-service-image.ts";
import { supervisorApiPoll } from "./supervisor-api-poll.ts";
import { systemdOverDbus } from "./systemd-over-dbus.ts";
import { unrotatedLog } from "./unrotated-log.ts";

export const RULES: readonly Rule[] = [
  pinBaseImage,
  pinServiceImage,
  containerFsWrite,
  unrotatedLog,
  flashWriteLoop,
  missingMemLimit,
  hostNetworkFirewall,
  clockChangeRule,
  systemdOverDbus,
  deviceReboot,
  supervisorApiPoll,
  containerConnectivity,
  bootConfigWrite,
  hostOsWrite,
  coreDumps,
  composeUnsupportedField,
];

/** Not a rule module: files that could not be read or parsed are reported under this id. */
export const PARSE_ERROR_ID = "parse-error";
