// Test images: FROM scratch plus Debian's static busybox, built on the private engine.
export { buildTestImage, type TestImageSpec } from "../../scripts/lib/busybox-image.ts";
