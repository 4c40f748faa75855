"""Documents in: Word and Excel files as units write them, read into a form's data (and the offline
template that goes out). Pure functions of bytes: the services store files and apply what was read."""
