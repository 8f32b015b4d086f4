// The console's Settings view.
import { onView } from "./core.js";

onView("settings", () => {});
