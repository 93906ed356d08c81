"""The mission record (page, JSON, PDF), the debrief and the patient's follow-up."""
