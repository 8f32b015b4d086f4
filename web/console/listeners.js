// The console's Listeners view.
import { onView } from "./core.js";

onView("listeners", () => {});
