"""Reads an iCalendar feed on stdin with the `icalendar` package, as a calendar app would,
and prints its events as JSON: uid, summary, start and end (dates or UTC instants)."""

import json
import sys

import icalendar


def when(prop):
    value = prop.dt
    return value.isoformat()


def main():
    cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
    events = []
    for ev in cal.walk("VEVENT"):
        events.append({
            "uid": str(ev["UID"]),
            "summary": str(ev["SUMMARY"]),
            "start": when(ev["DTSTART"]),
            "end": when(ev["DTEND"]),
            "url": str(ev.get("URL", "")),
        })
    print(json.dumps({"name": str(cal.get("X-WR-CALNAME", "")), "events": events}))


if __name__ == "__main__":
    main()
