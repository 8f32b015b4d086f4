// The console's Library view.
import { onView } from "./core.js";

onView("library", () => {});
