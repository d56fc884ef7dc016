docker swarm join --token SWMTKN-1-dgtxk7pc137tn5jkfl7os4h6ifj1daw8pm08b7rlgam6n14w7z-x62vzds0yn9ssgpo0xinxmksc 10.0.0.10:2377
