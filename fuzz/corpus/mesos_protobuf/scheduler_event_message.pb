2
hello