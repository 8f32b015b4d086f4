// The console's Playlists view.
import { onView } from "./core.js";

onView("playlists", () => {});
