## Files users send (HTML; file names are escaped by the code)
files-received = 📎 Received: <b>{ $name }</b>
files-received-next = Thank you! The team will see your files with your request.
files-rejected = ⛔ Not accepted: <b>{ $name }</b>. { $reason }
files-rejected-too-big = The file is larger than { $limit } MB.
files-rejected-empty = The file is empty.
files-rejected-type = I accept PDF, DOC, DOCX, JPG, PNG, GIF and TXT files, and MP4, M4A, OGG and MP3 for video, voice and audio, only.
files-rejected-mismatch = Its content does not match its extension, so I cannot accept it.
files-rejected-infected = The virus scan found something in it.
files-rejected-scan-failed = I could not check it for viruses just now; please try again later.
files-rejected-download = I could not download it from Telegram; please send it again.
