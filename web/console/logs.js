// The console's Logs view.
import { onView } from "./core.js";

onView("logs", () => {});
