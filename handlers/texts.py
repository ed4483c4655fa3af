"""Every sentence a person reads, in one place: short, warm, plain, one question at a time."""

from __future__ import annotations

WELCOME = (
    "Hi{name}! I'm UTP, a tiny weekly journal. Once a week I ask one short question about your "
    "week. From your answers I notice your skills and strengths, and build a passport that is "
    "yours: you can see it, export it, or delete it any time.\n\n"
    "I keep what you write here, and files you send. Is that OK?"
)
HELLO = "Hi again, {name}! Write about your week any time, or type /help."
HELLO_QUESTION = "Hi again, {name}! Your question this week: {prompt}"
HELLO_SETUP = "Welcome back! Let's finish setting up."
WELCOME_KEPT_FIRST = "(I'll keep what you just wrote as your first note.)"
CONSENT_YES = "Yes, let's start"
CONSENT_NO = "Not now"
CONSENT_DECLINED = "No problem. I won't keep anything. If you change your mind, just say hi."
ASK_SLOT = "When should I send your weekly question?"
SLOT_OTHER = "Pick another time"
ASK_DAY = "Which day suits you best?"
ASK_HOUR = "And what time of day?"
ASK_ZONE = "Last step: which time zone are you in? Pick one, or type a city like Berlin."
ZONE_TYPE = "Type my city"
ZONE_TYPE_PROMPT = "Type your city or time zone, like Berlin, New York or Asia/Kolkata."
ZONE_UNKNOWN = (
    'I couldn\'t find "{text}" as a place. Try a big city near you, like Berlin or Chicago.'
)
ALL_SET = (
    "All set! I'll ask you every {day} at {hour} ({zone}). You can change this with /settings."
)
FIRST_PROMPT = (
    "Want to start now? Here is an easy first question. A few lines is plenty. "
    "I'll show you the skills I spot in your answer, and you choose which to keep.\n\n{prompt}"
)

# Acks name the note, never "kept": right after a Keep / Not me question, "Kept." reads as if a
# skill was kept.
ACK_ENTRY = (
    "Got it, your note is saved. ",
    "Saved your note. Nice one. ",
    "Saved your note, thanks. ",
)
ACK_ENTRY_TAIL = "I'll look at what it shows about you."
ACK_EDIT = "Updated your note. I'll look at it again."
ACK_LATE = "Saved your note. It counts for week {week}."
ACK_FOLLOWUP = 'Thanks, I added that to the same note. (If it is a new story, say "new note".)'
NEW_NOTE_NEXT = "OK. What you write next starts a new note."
NEW_NOTE_SPLIT = "Done. That part is now a note of its own. I'll look at both again."

NOTICED = "I noticed some skills in that: {things}. Keep them in your passport?"
NOTICED_ONE = "I noticed a skill in that: {things}. Keep it in your passport?"
NOTICED_PICK = "Let me pick"
NOTICED_NOTHING = "Thanks for writing. Nothing to add to your passport this time, and that's fine."
KEEP_ALL = "Keep"
NOT_ME = "Not me"
KEPT = "Kept: {things}."
REJECTED = "OK, I'll leave {things} out. I won't suggest it again for something like this."
SIGNALS_GONE = "That note has changed since, so those buttons no longer apply."

EMPTY_TEXT = "I didn't catch any words there. Write a line or two whenever you like."
TOO_LONG = (
    "That's longer than I can keep in one note ({length} characters). Could you send it in "
    "smaller parts?"
)
UNKNOWN_COMMAND = "I don't know {command} yet. Try /help to see what I can do."
NOT_UNDERSTOOD_BUTTON = "That button is old now. Try /help to see what I can do."
FINISH_ONBOARDING_FIRST = "Let's finish setting up first."

FILE_KEPT = 'Got your file "{name}". I\'ll keep it as evidence.'
FILE_PENDING = 'Got your file "{name}". I\'m saving it now.'
FILE_TOO_BIG = (
    "That file is {size} MB. I can keep files up to {limit} MB. Could you send a smaller one?"
)
FILE_BAD_TYPE = (
    "I can't keep that kind of file. I keep photos, PDFs, Word files, text files, "
    "badges and voice notes."
)
FILE_UNSAFE = "That image looks too large to open safely. Could you send a smaller version?"
FILE_EMPTY = "That file was empty, so there is nothing to keep."
FILE_MISSING = "I can't find a file at {path}."
FILE_FAILED = 'I couldn\'t get your file "{name}". Could you send it again?'
FILE_STORED_LATE = 'Your file "{name}" is saved.'
VOICE_KEPT = "Got your voice note. I've kept it."
CREDENTIAL_FOUND = "This is a credential: {name}. Check: {level}."

# The first lines of /help; each command's own line follows (handlers/commands.py).
HELP_INTRO = (
    "Here's what I can do:\n"
    "- Just write to me any time: about your week, a project, something you learned.\n"
    "- Send a photo or file to keep it as evidence."
)

NOTHING_YET = (
    "Your passport is still empty, and that's a fine start. Tell me about something you did "
    "this week, even a small thing. I'll notice the skills in it."
)

SETTINGS = (
    "Your weekly question comes every {day} at {hour} ({zone}).\n"
    "Reminders: {reminders}. Digest: {digest}. {status}\nWhat would you like to change?"
)
SETTINGS_STATUS_ACTIVE = "You're active."
SETTINGS_STATUS_PAUSED = "You're paused until you /resume."
SETTINGS_STATUS_PAUSED_UNTIL = "You're paused until {until}."
SET_DAY = "Day"
SET_HOUR = "Time"
SET_ZONE = "Time zone"
SET_REMINDERS = "Reminders on/off"
SET_DIGEST = "Digest"
ASK_DIGEST = "Would you like a digest of your passport sent to you?"
DIGEST_OFF = "No thanks"
DIGEST_WEEKLY = "Weekly"
DIGEST_MONTHLY = "Monthly"
SETTINGS_SAVED = "Saved. Your weekly question comes every {day} at {hour} ({zone})."
REMINDERS_ON = "Reminders are on. If you miss a question I'll nudge you once, gently."
REMINDERS_OFF = "Reminders are off. I'll only ask once a week."
DIGEST_SAVED = "Digest: {digest}."
PAUSED = "Paused. I won't send questions until you say /resume. You can still write any time."
PAUSED_UNTIL = "Paused until {until}. Enjoy the break! You can still write any time."
PAUSE_NOT_UNDERSTOOD = "I didn't get that. Try /pause, /pause 2w or /pause 2027-01-15."
RESUMED = "Welcome back! Your next question comes {when}."
SKIPPED = "No question this week. See you next week!"

ANOTHER_PROMPT = "Here's a different one:\n\n{prompt}"
ANOTHER_BUTTON = "Different one"
YEAR_AGO = 'A year ago you wrote:\n"{text}"\nLook how far you\'ve come.'
DIGEST_COMING = "Hold on, I'm getting your passport ready..."

EXPORT_ASK = (
    "Which format would you like? Badges and CLR hold only skills you kept. "
    "To leave your own words out, type /export clr noquotes (or ob3, jsonresume)."
)
EXPORT_JSON = "Everything (JSON)"
EXPORT_READY = "Here is your passport ({what})."
EXPORT_WRITTEN = "Saved your export to {path}"
EXPORT_NOTHING_CONFIRMED = (
    "There's nothing confirmed to put in that format yet. Tap Keep on skills you recognise, "
    "then try again."
)
EXPORT_FAILED = "Sorry, I couldn't make that export just now. Please try again in a bit."

FORGET_ASK = (
    "This deletes everything I keep about you: notes, files, skills, settings. It can't be "
    "undone. Are you sure?"
)
FORGET_YES = "Yes, delete it all"
FORGET_NO = "No, keep it"
FORGET_DONE = "Done. Everything is deleted. If you ever want to start again, just say hi."
FORGET_KEPT = "OK, I kept it all."
FORGET_PARTIAL = (
    "Your records are deleted, and no one can read your words now. "
    "Some files could not be removed yet. We will keep trying until they are gone."
)

GOAL_ASK = "What job or role would you like to grow towards? Say it in your own words."
GOAL_UNKNOWN = 'I couldn\'t match "{text}" to a job I know. Could you say it another way?'

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. What you wrote is safe."

NUDGE = "Your weekly question:\n\n{prompt}\n\n(Reply any time. /another for a different one.)"
REMINDER = "Just a gentle reminder, no pressure:\n\n{prompt}"

WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Storage faults (passport.faults): honest about what is not saved yet.
ONE_MOMENT = "One moment… I'm still saving that."
NOT_SAVED = {
    "full": "Not saved yet: the disk is full. I'll keep trying, and your words stay here.",
    "readonly": "Not saved yet: I can't write to my storage. I'll keep trying.",
    "unreachable": "Not saved yet: I can't reach my database. I'll keep trying.",
    "busy": "Not saved yet: my database is busy. I'll keep trying.",
    "io": "Not saved yet: I can't write to the disk. I'll keep trying.",
}
NOT_SAVED_TRY_AGAIN = "Sorry, I couldn't save that just now. Please send it again in a bit."
NOTE_KEPT_DURING_SETUP = "I kept that as a note. Now, one more thing to set up:"

# Team skill map (Slack workspaces): counts only, opt-in per member.
TEAM_ON = (
    "You now share with your team map. It counts skills you kept, never your words or "
    "your name. To stop, type /team off."
)
TEAM_OFF = "You stopped sharing with your team map. You left every count just now."
TEAM_STATUS_ON = (
    "You share your kept skills with your team map, as counts only. To stop: /team off"
)
TEAM_STATUS_OFF = (
    "You don't share with your team map. It shows counts only, never names or notes, and only "
    "once 5 people share. To join: /team on"
)
TEAM_SLACK_ONLY = "The team map is for Slack teams. Here, your passport stays just yours."
TEAM_POST_INTRO = "What our team is growing ({members} people share, counts only, no names):"
TEAM_POST_GREW = "Grew in the last 30 days: {items}"
TEAM_POST_TOP = "Most shared skills: {items}"
TEAM_POST_ANSWERED = "Last weekly question: {percent}% of those sharing answered."
TEAM_POST_JOIN = "Want to count too? Type /team on. Off any time."
