/* One way to show times and durations on every page: wall-clock times in the centre's
   DISPLAY_TIME_ZONE (from <meta name="display-time-zone">), in the page's language, and
   durations spelled with units ("1 h 04 min") so they never read as minutes:seconds. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="display-time-zone"]');
  var zone = meta ? meta.content : undefined;
  var lang = document.documentElement.lang || "sl";

  function parts(date, options) {
    var o = Object.assign({ timeZone: zone, hourCycle: "h23" }, options);
    return new Intl.DateTimeFormat(lang, o).format(date);
  }
  function dayKey(date) {
    return parts(date, { year: "numeric", month: "2-digit", day: "2-digit" });
  }

  /* "14:05" for today; another day leads with the date, day first so nobody reads it as a
     month: "3. 12. 00:27" (sl), "3 Dec 00:27" (en). */
  function time(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    var clock = parts(date, { hour: "2-digit", minute: "2-digit" });
    if (dayKey(date) === dayKey(new Date())) return clock;
    var day = lang.indexOf("en") === 0
      ? new Intl.DateTimeFormat("en-GB", { timeZone: zone, day: "numeric", month: "short" }).format(date)
      : parts(date, { day: "numeric", month: "numeric" });
    return day + " " + clock;
  }

  /* Whole minutes as "45 min" or "1 h 04 min"; the first minute as "under 1 min", never "0 min". */
  function duration(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return "";
    var minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) return gettext("under 1 min");
    if (minutes < 60) return minutes + " min";
    var m = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (m < 10 ? "0" : "") + m + " min";
  }

  function since(iso, now) {
    return iso ? duration((now || Date.now()) - new Date(iso).getTime()) : "";
  }

  window.EcmoClock = { time: time, duration: duration, since: since, zone: zone };
})();
