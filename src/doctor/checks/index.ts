// Every check, in the order the report shows them.
import type { Check } from "../types.ts";
import { clockCheck, ntpCheck } from "./clock.ts";
import { configJsonCheck, configTxtCheck } from "./config-files.ts";
import { coreDumpsCheck } from "./core-dumps.ts";
import { endpointCheck } from "./endpoint.ts";
import { engineCheck } from "./engine.ts";
import { memoryCheck, memoryLimitsCheck } from "./memory.ts";
import { oomCheck } from "./oom.ts";
import { dataPartitionSpaceCheck, dataRootSpaceCheck } from "./space.ts";
import { writableLayersCheck } from "./writable-layers.ts";
import { writeRateCheck } from "./write-rate.ts";

export const ALL_CHECKS: Check[] = [
  engineCheck,
  dataRootSpaceCheck,
  dataPartitionSpaceCheck,
  writableLayersCheck,
  writeRateCheck,
  memoryCheck,
  memoryLimitsCheck,
  oomCheck,
  coreDumpsCheck,
  clockCheck,
  ntpCheck,
  endpointCheck,
  configJsonCheck,
  configTxtCheck,
];
