:
Framework failed over