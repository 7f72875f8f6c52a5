// Deployed functions, one line each; handlers live beside their triggers and are tested on their own.
